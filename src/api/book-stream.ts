// The book channel of one symbol at one price grouping: snapshot and delta messages with seq,
// prev_seq and the top-25 checksum (crc32-interleaved-v1 over the levels as sent), a short
// history of deltas for clients that come back with their last seq, and merged deltas for
// clients over their message budget. Pure: fed with the state's books at output time, when each
// book is exactly what has been published.
import { frame, type BookStatus } from '../contract/ws-frames.js';
import { checksumOfStrings, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import type { Instrument } from '../domain/instrument.js';
import type { Level, OrderBook } from '../domain/order-book.js';

type Levels = [string, string][];

export interface Delta {
  seq: number;
  prevSeq: number;
  /**
   * The changed levels as plain numbers, [price ticks, size lots, ...]: the first `bidPairs` pairs
   * are bids (best first), the rest asks (best first). Strings are made only for the message: a
   * history of 10,000 deltas held as numbers takes about half the memory of one held as strings.
   */
  levels: number[];
  bidPairs: number;
  checksum: number;
  ts: number;
  sentUs: number;
  /** Serialised when first needed: streams nobody reads keep their history for resumes without building it. */
  json?: string;
}

// a busy symbol publishes a delta per Kafka batch (100+/s): enough for the 60 s a reconnect may take
const HISTORY_MAX = 10_000;
const HISTORY_MS = 60_000;

export class BookStream {
  /** Sequence of the book as last published on this stream (-1 before the first). */
  seq = -1;
  /** Grouped levels as last published (grouped streams only): price in ticks → size in lots. */
  private lastBids = new Map<number, number>();
  private lastAsks = new Map<number, number>();
  private readonly history: Delta[] = [];
  readonly precString: string;

  constructor(
    readonly symbol: string,
    private readonly inst: Instrument,
    /** Price grouping in ticks (1 = the raw book). */
    readonly group: number,
  ) {
    this.precString = inst.tick.format(group);
  }

  private levels(book: OrderBook, side: 'bids' | 'asks'): Level[] {
    return this.group === 1 ? book[side].top(Infinity) : book[side].grouped(Infinity, this.group);
  }

  private fmt(levels: Iterable<readonly [number, number]>): Levels {
    const out: Levels = [];
    for (const [p, q] of levels) out.push([this.inst.tick.format(p), this.inst.lot.format(q)]);
    return out;
  }

  /**
   * A snapshot of `book` at `seq` that becomes the stream's base (later deltas chain from it).
   * The delta history survives a periodic snapshot (the book moved on continuously) and is
   * dropped otherwise (a resync: deltas before it no longer lead to this book).
   */
  reset(book: OrderBook, seq: number, status: BookStatus, ts: number, keepHistory: boolean): string {
    this.rebase(book, seq, keepHistory);
    return this.snapshotJson(book, status, ts);
  }

  /** As reset, without building the snapshot message (a stream nobody reads right now). */
  rebase(book: OrderBook, seq: number, keepHistory: boolean): void {
    if (this.group !== 1) {
      this.lastBids = new Map(this.levels(book, 'bids'));
      this.lastAsks = new Map(this.levels(book, 'asks'));
    }
    this.seq = seq;
    if (!keepHistory) this.history.length = 0;
  }

  /** A snapshot of `book` at the stream's sequence (the book must be as last published). */
  snapshotJson(book: OrderBook, status: BookStatus, ts: number): string {
    const bids = this.fmt(this.levels(book, 'bids'));
    const asks = this.fmt(this.levels(book, 'asks'));
    return frame({ type: 'book', action: 'snapshot', symbol: this.symbol, prec: this.precString, seq: this.seq, status, bids, asks, checksum: checksumOfStrings(bids, asks, CHECKSUM_DEPTH), ts });
  }

  /**
   * The delta from the last published book to `book` at `seq`, recorded in the history. For the
   * raw book the changed levels come from the output delta (and its checksum, when given); grouped
   * streams diff their groups. Undefined when nothing visible changed (a grouped stream whose
   * groups kept their sizes).
   */
  delta(book: OrderBook, seq: number, changed: { bids: Map<number, number>; asks: Map<number, number>; checksum?: number }, ts: number, sentUs: number): Delta | undefined {
    let bids: [number, number][];
    let asks: [number, number][];
    if (this.group === 1) {
      bids = [...changed.bids].sort((a, b) => b[0] - a[0]);
      asks = [...changed.asks].sort((a, b) => a[0] - b[0]);
    } else {
      bids = diff(this.lastBids, (this.lastBids = new Map(this.levels(book, 'bids')))).sort((a, b) => b[0] - a[0]);
      asks = diff(this.lastAsks, (this.lastAsks = new Map(this.levels(book, 'asks')))).sort((a, b) => a[0] - b[0]);
      // nothing visible changed: nothing is sent, and the next delta chains from the last one sent
      if (bids.length === 0 && asks.length === 0) return undefined;
    }
    const top = (side: 'bids' | 'asks') => this.fmt(this.group === 1 ? book[side].top(CHECKSUM_DEPTH) : book[side].grouped(CHECKSUM_DEPTH, this.group));
    const checksum = this.group === 1 && changed.checksum !== undefined ? changed.checksum : checksumOfStrings(top('bids'), top('asks'), CHECKSUM_DEPTH);
    // sized up front: an array grown by push keeps room for ~16 more numbers, for each of 10,000 deltas
    const levels = new Array<number>(2 * (bids.length + asks.length));
    let k = 0;
    for (const [p, q] of bids) (levels[k++] = p), (levels[k++] = q);
    for (const [p, q] of asks) (levels[k++] = p), (levels[k++] = q);
    const d: Delta = { seq, prevSeq: this.seq, levels, bidPairs: bids.length, checksum, ts, sentUs };
    this.seq = seq;
    this.history.push(d);
    this.trim(ts);
    return d;
  }

  /** Deltas held for resumes. */
  get historyLength(): number {
    return this.history.length;
  }

  /** Drops what is older than the resume window (in place, in blocks: a shift per delta would copy the whole history each time). */
  private trim(now: number): void {
    const h = this.history;
    let drop = Math.max(0, h.length - HISTORY_MAX);
    while (drop < h.length && now - h[drop]!.ts > HISTORY_MS) drop++;
    if (drop > 0 && (drop >= 256 || drop * 8 >= h.length)) h.splice(0, drop);
  }

  /** The message of a recorded delta (built once). */
  json(d: Delta): string {
    if (d.json !== undefined) return d.json;
    const bids: Levels = [];
    const asks: Levels = [];
    for (let i = 0; i < d.levels.length; i += 2) (i < d.bidPairs * 2 ? bids : asks).push([this.inst.tick.format(d.levels[i]!), this.inst.lot.format(d.levels[i + 1]!)]);
    return (d.json = frame({ type: 'book', action: 'delta', symbol: this.symbol, prec: this.precString, seq: d.seq, prev_seq: d.prevSeq, bids, asks, checksum: d.checksum, ts: d.ts, sent_us: d.sentUs }));
  }

  /** The deltas after `seq`, as published, when the history still reaches back to it; undefined otherwise. */
  deltasSince(seq: number): string[] | undefined {
    if (seq === this.seq) return [];
    const i = this.history.findIndex((d) => d.prevSeq === seq);
    return i < 0 ? undefined : this.history.slice(i).map((d) => this.json(d));
  }

  /** One delta merging every published delta after `seq` (later sizes win), or undefined when the history does not reach back. */
  mergedSince(seq: number): string | undefined {
    if (seq === this.seq) return undefined;
    const i = this.history.findIndex((d) => d.prevSeq === seq);
    if (i < 0) return undefined;
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (const d of this.history.slice(i)) {
      for (let k = 0; k < d.levels.length; k += 2) (k < d.bidPairs * 2 ? bids : asks).set(d.levels[k]!, d.levels[k + 1]!);
    }
    const last = this.history[this.history.length - 1]!;
    return frame({
      type: 'book',
      action: 'delta',
      symbol: this.symbol,
      prec: this.precString,
      seq: last.seq,
      prev_seq: seq,
      bids: this.fmt([...bids].sort((a, b) => b[0] - a[0])),
      asks: this.fmt([...asks].sort((a, b) => a[0] - b[0])),
      checksum: last.checksum,
      ts: last.ts,
      sent_us: last.sentUs,
      conflated: true,
    });
  }
}

/** Levels whose size changed from `before` to `after` (0 for a level that went away). */
function diff(before: Map<number, number>, after: Map<number, number>): [number, number][] {
  const out: [number, number][] = [];
  for (const [p, q] of after) if (before.get(p) !== q) out.push([p, q]);
  for (const p of before.keys()) if (!after.has(p)) out.push([p, 0]);
  return out;
}
