// One order book held by the client: a snapshot, then deltas applied only when their prev_seq is
// the book's seq, and after every message the CRC-32 of its top 25 levels compared with the
// server's. A book that fails either check is emptied: it is never read in a state the server did
// not have.
import { crc32Append, crc32Finish, crc32Shift, CRC32_START, LEVELS_START, levelSegmentCrc, utf8Length } from '../../src/domain/crc32.js';
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

/**
 * One level. `crc` and `shift` hold ":price:size" as a CRC segment (its raw CRC, and the table that
 * shifts a running CRC past its length), made once per size while the level is among the top 25:
 * the checksum after a message is then four table lookups per level, not a pass over its text.
 */
export interface Level {
  readonly price: string;
  size: string;
  crc: number;
  shift: Uint32Array | undefined;
}

/** One side: levels by price, and in an array best first (exported for the benchmark's unverified baseline). */
export class Side {
  readonly levels = new Map<string, Level>();
  readonly order: Level[] = [];
  constructor(private readonly descending: boolean) {}

  private index(price: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareDecimal(this.order[mid]!.price, price);
      if (this.descending ? c > 0 : c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets (size "0": removes) a level; returns the index a level was inserted at or removed from, else -1. */
  set(price: string, size: string): number {
    if (isZero(size)) {
      if (!this.levels.delete(price)) return -1;
      const i = this.index(price);
      this.order.splice(i, 1);
      return i;
    }
    const held = this.levels.get(price);
    if (held !== undefined) {
      held.size = size;
      held.shift = undefined;
      return -1;
    }
    const level: Level = { price, size, crc: 0, shift: undefined };
    const i = this.index(price);
    this.order.splice(i, 0, level);
    this.levels.set(price, level);
    return i;
  }

  get length(): number {
    return this.order.length;
  }

  top(depth: number): BookLevel[] {
    const n = Math.min(depth, this.order.length);
    const out: BookLevel[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [this.order[i]!.price, this.order[i]!.size];
    return out;
  }

  /** Feeds ":price:size" of level i into a running CRC. */
  feed(crc: number, i: number): number {
    const l = this.order[i]!;
    if (l.shift === undefined) {
      l.crc = levelSegmentCrc(l.price, l.size);
      l.shift = crc32Shift(1 + utf8Length(l.price) + 1 + utf8Length(l.size));
    }
    return crc32Append(crc, l.crc, l.shift);
  }

  clear(): void {
    this.levels.clear();
    this.order.length = 0;
  }

  copyFrom(other: Side): void {
    this.clear();
    for (const l of other.order) {
      const copy = { ...l };
      this.order.push(copy);
      this.levels.set(copy.price, copy);
    }
  }
}

/** Applies a level to a side; the index among the levels the checksum covers it moved, else CHECKSUM_DEPTH (a size changed in place is found by its cleared segment). */
function applyLevel(side: Side, price: string, size: string): number {
  const at = side.set(price, size);
  return at >= 0 && at < CHECKSUM_DEPTH ? at : CHECKSUM_DEPTH;
}

/** The first of the leading `upTo` pairs holding a level whose size changed in place (its segment was cleared). */
function firstResized(bids: Side, asks: Side, upTo: number): number {
  const b = bids.order;
  const a = asks.order;
  const n = Math.min(upTo, Math.max(b.length, a.length));
  for (let i = 0; i < n; i++) {
    if ((i < b.length && b[i]!.shift === undefined) || (i < a.length && a[i]!.shift === undefined)) return i;
  }
  return upTo;
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
  /** before[i]: the running CRC before bid i and ask i (the checksum interleaves the sides). */
  private readonly before = new Int32Array(CHECKSUM_DEPTH + 1);
  /** How many leading bid/ask pairs are as they were at the last checksum: the CRC resumes after them. */
  private unchangedPairs = 0;
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
    if (f.action === 'snapshot' || this.checksum === undefined) this.unchangedPairs = 0;
    let unchanged = this.unchangedPairs;
    for (let i = 0; i < f.bids.length; i++) unchanged = Math.min(unchanged, applyLevel(this.bids, f.bids[i]![0], f.bids[i]![1]));
    for (let i = 0; i < f.asks.length; i++) unchanged = Math.min(unchanged, applyLevel(this.asks, f.asks[i]![0], f.asks[i]![1]));
    this.unchangedPairs = firstResized(this.bids, this.asks, unchanged);
    const topChanged = this.unchangedPairs < CHECKSUM_DEPTH;
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

  /**
   * The checksum (docs/API.md) of the top levels, resumed after the pairs that did not change, from
   * the levels' segments: no payload string is built. Each segment carries its leading ":"; the CRC
   * starts as if a ":" had been fed already, so the first level's is cancelled.
   */
  private computeChecksum(): number {
    const bn = this.bids.length;
    const an = this.asks.length;
    const n = Math.min(CHECKSUM_DEPTH, Math.max(bn, an));
    const before = this.before;
    before[0] = LEVELS_START;
    let crc = before[this.unchangedPairs]!;
    for (let i = this.unchangedPairs; i < n; i++) {
      if (i < bn) crc = this.bids.feed(crc, i);
      if (i < an) crc = this.asks.feed(crc, i);
      before[i + 1] = crc;
    }
    this.unchangedPairs = CHECKSUM_DEPTH;
    return n === 0 ? crc32Finish(CRC32_START) : crc32Finish(before[n]!);
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
    for (const [p, l] of s.levels) if (compareDecimal(p, price) === 0) return l.size;
    return '0';
  }

  depthTo(side: 'bid' | 'ask', price: string): string {
    const s = side === 'bid' ? this.bids : this.asks;
    let total = '0';
    for (const l of s.order) {
      const c = compareDecimal(l.price, price);
      if (side === 'bid' ? c < 0 : c > 0) break;
      total = addDecimal(total, l.size);
    }
    return total;
  }
}
