// One order book held by the client: a snapshot, then deltas applied only when their prev_seq is
// the book's seq, and after every message the CRC-32 of its top 25 levels compared with the
// server's. A book that fails either check is emptied: it is never read in a state the server did
// not have.
import { checksumPayload } from '../../src/domain/checksum-payload.js';
import { crc32 } from '../../src/domain/crc32.js';
import type { BookFrame, BookLevel, BookStatus } from '../../src/contract/ws-frames.js';
import { addDecimal, compareDecimal, isZero, subtractDecimal } from './decimal.js';

/** Levels per side the server's checksum covers (docs/API.md, "Checksum"). */
export const CHECKSUM_DEPTH = 25;

export type ApplyOutcome =
  /** The message is applied and the book verified. */
  | 'applied'
  /** A status change (resyncing, in_sync...): levels unchanged. */
  | 'status'
  /** A delta before any snapshot: ignored. */
  | 'no_base'
  /** A delta whose prev_seq is not the book's seq: the book is emptied, a fresh snapshot is needed. */
  | 'chain_break'
  /** The book after the message does not have the server's checksum: emptied likewise. */
  | 'checksum_mismatch';

/** One side: sizes by price, and the prices kept sorted best first (exported for the benchmark's unverified baseline). */
export class Side {
  readonly sizes = new Map<string, string>();
  readonly prices: string[] = [];
  constructor(private readonly descending: boolean) {}

  private index(price: string): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareDecimal(this.prices[mid]!, price);
      if (this.descending ? c > 0 : c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: string, size: string): void {
    if (isZero(size)) {
      if (this.sizes.delete(price)) this.prices.splice(this.index(price), 1);
      return;
    }
    if (!this.sizes.has(price)) this.prices.splice(this.index(price), 0, price);
    this.sizes.set(price, size);
  }

  top(depth: number): BookLevel[] {
    const n = Math.min(depth, this.prices.length);
    const out: BookLevel[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [this.prices[i]!, this.sizes.get(this.prices[i]!)!];
    return out;
  }

  clear(): void {
    this.sizes.clear();
    this.prices.length = 0;
  }

  copyFrom(other: Side): void {
    this.clear();
    for (const [p, q] of other.sizes) this.sizes.set(p, q);
    this.prices.push(...other.prices);
  }
}

/** What a reader of a verified book sees. */
export interface VerifiedBook {
  readonly symbol: string;
  readonly prec: string | undefined;
  /** The server's sequence of the state held. */
  readonly seq: number;
  readonly status: BookStatus;
  /** Server time of the last message applied (ms). */
  readonly ts: number;
  /** The best `depth` levels of each side, best first (default: the book's `depth` option, else all). */
  levels(depth?: number): { bids: BookLevel[]; asks: BookLevel[] };
  bestBid(): BookLevel | undefined;
  bestAsk(): BookLevel | undefined;
  /** best ask − best bid, exact; undefined when a side is empty. */
  spread(): string | undefined;
  /** The size resting at exactly `price` on a side ("0" when none). */
  sizeAt(side: 'bid' | 'ask', price: string): string;
  /** The total size at `price` or better on a side (what a taker crosses up to that price). */
  depthTo(side: 'bid' | 'ask', price: string): string;
}

export class LocalBook implements VerifiedBook {
  seq = -1;
  status: BookStatus = 'resyncing';
  ts = 0;
  prec: string | undefined;
  private readonly bids = new Side(true);
  private readonly asks = new Side(false);

  constructor(
    readonly symbol: string,
    private readonly defaultDepth = Infinity,
  ) {}

  get ready(): boolean {
    return this.seq >= 0;
  }

  apply(f: BookFrame): ApplyOutcome {
    if (f.action === 'status') {
      this.status = f.status;
      return 'status';
    }
    if (f.action === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
      this.status = f.status;
    } else {
      if (this.seq < 0) return 'no_base';
      if (f.prev_seq !== this.seq) {
        this.reset();
        return 'chain_break';
      }
    }
    for (const [p, q] of f.bids) this.bids.set(p, q);
    for (const [p, q] of f.asks) this.asks.set(p, q);
    if (crc32(checksumPayload(this.bids.top(CHECKSUM_DEPTH), this.asks.top(CHECKSUM_DEPTH), CHECKSUM_DEPTH)) !== f.checksum) {
      this.reset();
      return 'checksum_mismatch';
    }
    this.seq = f.seq;
    this.prec = f.prec;
    this.ts = f.ts;
    return 'applied';
  }

  /** An independent copy (to keep a state, or to start another feed from it). */
  clone(): LocalBook {
    const b = new LocalBook(this.symbol, this.defaultDepth);
    b.seq = this.seq;
    b.status = this.status;
    b.ts = this.ts;
    b.prec = this.prec;
    b.bids.copyFrom(this.bids);
    b.asks.copyFrom(this.asks);
    return b;
  }

  reset(): void {
    this.seq = -1;
    this.status = 'resyncing';
    this.bids.clear();
    this.asks.clear();
  }

  levels(depth = this.defaultDepth): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.bids.top(depth), asks: this.asks.top(depth) };
  }

  bestBid(): BookLevel | undefined {
    return this.bids.top(1)[0];
  }

  bestAsk(): BookLevel | undefined {
    return this.asks.top(1)[0];
  }

  spread(): string | undefined {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    return bid && ask ? subtractDecimal(ask[0], bid[0]) : undefined;
  }

  sizeAt(side: 'bid' | 'ask', price: string): string {
    const s = side === 'bid' ? this.bids : this.asks;
    for (const [p, q] of s.sizes) if (compareDecimal(p, price) === 0) return q;
    return '0';
  }

  depthTo(side: 'bid' | 'ask', price: string): string {
    const s = side === 'bid' ? this.bids : this.asks;
    let total = '0';
    for (const p of s.prices) {
      const c = compareDecimal(p, price);
      if (side === 'bid' ? c < 0 : c > 0) break;
      total = addDecimal(total, s.sizes.get(p)!);
    }
    return total;
  }
}
