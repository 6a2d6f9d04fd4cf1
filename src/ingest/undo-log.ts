// The last N level changes of one book with the size each level had before, so the book can be
// seen as it was at a recent sequence (to check an engine book hash that arrives after we have
// moved past its sequence). A bounded ring of plain numbers that grows to its capacity as changes
// come (a quiet symbol holds a few KiB, a busy one 1.6 MiB); pure.
import type { Level, OrderBook } from '../domain/order-book.js';

const FIRST_SIZE = 256;

export class UndoLog {
  private seq: Float64Array;
  private side: Uint8Array;
  private price: Float64Array;
  private before: Float64Array;
  private size: number;
  private start = 0;
  private count = 0;
  /** The book can be rebuilt for any sequence >= floor. */
  private floorSeq: number;

  constructor(
    private readonly capacity = 65_536,
    floor = 0,
  ) {
    this.size = Math.min(capacity, FIRST_SIZE);
    this.seq = new Float64Array(this.size);
    this.side = new Uint8Array(this.size);
    this.price = new Float64Array(this.size);
    this.before = new Float64Array(this.size);
    this.floorSeq = floor;
  }

  /** Twice the room (up to capacity). It only grows before it first wraps, so its entries start at 0. */
  private grow(): void {
    const size = Math.min(this.capacity, this.size * 2);
    const seq = new Float64Array(size);
    const side = new Uint8Array(size);
    const price = new Float64Array(size);
    const before = new Float64Array(size);
    seq.set(this.seq);
    side.set(this.side);
    price.set(this.price);
    before.set(this.before);
    [this.seq, this.side, this.price, this.before, this.size] = [seq, side, price, before, size];
  }

  get floor(): number {
    return this.floorSeq;
  }

  record(sequence: number, side: 'bid' | 'ask', price: number, before: number): void {
    let i: number;
    if (this.count === this.size && this.size < this.capacity) this.grow();
    if (this.count === this.size) {
      i = this.start;
      this.floorSeq = Math.max(this.floorSeq, this.seq[i]!);
      this.start = (this.start + 1) % this.size;
    } else {
      i = (this.start + this.count) % this.size;
      this.count++;
    }
    this.seq[i] = sequence;
    this.side[i] = side === 'bid' ? 0 : 1;
    this.price[i] = price;
    this.before[i] = before;
  }

  /** Forget everything: the book was replaced wholesale at `sequence`. */
  reset(sequence: number): void {
    this.start = 0;
    this.count = 0;
    this.floorSeq = sequence;
  }

  /** Both sides of `book` as they were after event `sequence` (best first), or undefined if too old. */
  bookAt(book: OrderBook, sequence: number): { bids: Level[]; asks: Level[] } | undefined {
    if (sequence < this.floorSeq || sequence > book.sequence) return undefined;
    const overlay = [new Map<number, number>(), new Map<number, number>()];
    // newest to oldest: the last write per price is the oldest change after `sequence`, whose
    // "before" is the level's size at `sequence`
    for (let k = this.count - 1; k >= 0; k--) {
      const i = (this.start + k) % this.size;
      if (this.seq[i]! <= sequence) break;
      overlay[this.side[i]!]!.set(this.price[i]!, this.before[i]!);
    }
    const rebuild = (current: Level[], changes: Map<number, number>, bestFirst: (a: Level, b: Level) => number): Level[] => {
      const m = new Map<number, number>(current);
      for (const [p, s] of changes) m.set(p, s);
      return [...m].filter(([, s]) => s > 0).sort(bestFirst);
    };
    return {
      bids: rebuild(book.bids.top(Infinity), overlay[0]!, (a, b) => b[0] - a[0]),
      asks: rebuild(book.asks.top(Infinity), overlay[1]!, (a, b) => a[0] - b[0]),
    };
  }
}
