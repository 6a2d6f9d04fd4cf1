// One order book held by the client: a snapshot, then deltas applied only when their prev_seq is
// the book's seq, and after every message the CRC-32 of its top 25 levels compared with the
// server's. A book that fails either check is emptied: it is never read in a state the server did
// not have.
import { crc32Finish, crc32Update, CRC32_START } from '../../src/domain/crc32.js';
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

  /** Sets (size "0": removes) a level; returns the index a level was inserted at or removed from, else -1. */
  set(price: string, size: string): number {
    if (isZero(size)) {
      if (!this.sizes.delete(price)) return -1;
      const i = this.index(price);
      this.prices.splice(i, 1);
      return i;
    }
    if (this.sizes.has(price)) {
      this.sizes.set(price, size);
      return -1;
    }
    const i = this.index(price);
    this.prices.splice(i, 0, price);
    this.sizes.set(price, size);
    return i;
  }

  /** Whether `price` (a level held) is among the best `n`. */
  within(price: string, n: number): boolean {
    if (this.prices.length <= n) return true;
    const c = compareDecimal(price, this.prices[n - 1]!);
    return this.descending ? c >= 0 : c <= 0;
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

/** Applies a level to a side; whether the levels the checksum covers changed. */
function touchesTop(side: Side, price: string, size: string): boolean {
  const at = side.set(price, size);
  return at >= 0 ? at < CHECKSUM_DEPTH : side.sizes.has(price) && side.within(price, CHECKSUM_DEPTH);
}

/** "price:size" into a running CRC, after a ":" unless it is the first level. */
function feedLevel(crc: number, separator: boolean, price: string, size: string): number {
  const c = crc32Update(separator ? crc32Update(crc, ':') : crc, price);
  return crc32Update(crc32Update(c, ':'), size);
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
  /** The checksum of the state held (verified equal to the server's). */
  private checksum: number | undefined;
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
    let topChanged = f.action === 'snapshot' || this.checksum === undefined;
    for (const [p, q] of f.bids) if (touchesTop(this.bids, p, q)) topChanged = true;
    for (const [p, q] of f.asks) if (touchesTop(this.asks, p, q)) topChanged = true;
    // the checksum covers the top 25 levels: when none of them changed it is the one verified last
    if (topChanged) this.checksum = this.computeChecksum();
    if (this.checksum !== f.checksum) {
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
    b.checksum = this.checksum;
    b.bids.copyFrom(this.bids);
    b.asks.copyFrom(this.asks);
    return b;
  }

  /** The checksum (docs/API.md) of the top levels, fed level by level into the CRC: no payload string is built. */
  private computeChecksum(): number {
    const { prices: bp, sizes: bs } = this.bids;
    const { prices: ap, sizes: as } = this.asks;
    const n = Math.min(CHECKSUM_DEPTH, Math.max(bp.length, ap.length));
    let crc = CRC32_START;
    for (let i = 0; i < n; i++) {
      if (i < bp.length) crc = feedLevel(crc, i > 0, bp[i]!, bs.get(bp[i]!)!);
      if (i < ap.length) crc = feedLevel(crc, i > 0 || bp.length > 0, ap[i]!, as.get(ap[i]!)!);
    }
    return crc32Finish(crc);
  }

  reset(): void {
    this.checksum = undefined;
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
