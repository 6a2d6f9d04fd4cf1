// The 24h rolling ticker of one symbol, exact to the second: trades are kept as one bucket per
// second that had trades (at most 86,400 per symbol), with running sums and monotonic deques for
// the window's high and low, so both adding a trade and reading the ticker are O(1) amortised.
// Prices in ticks, volume in lots, quote volume exact (BigInt tick × lot units). Pure.
//
// The buckets live in columns (typed arrays, a ring that grows as needed), not one object per
// second: a symbol trading every second holds 86,400 of them, ~4 MiB here against ~13 MiB as
// objects, and the garbage collector has nothing in them to trace.

export const WINDOW_SECONDS = 86_400;

/** The trades of one second, summarised (what a restart restores the window from). */
export interface SecondSummary {
  sec: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: bigint;
  count: number;
}

export interface TickerStats {
  /** The window is (closeTime - 24h, closeTime], in whole seconds. */
  openTime: number;
  closeTime: number;
  /** First trade in the window; undefined with no trade in the window. */
  open: number | undefined;
  high: number | undefined;
  low: number | undefined;
  /** The last trade ever (it may be older than the window). */
  last: number | undefined;
  volume: number;
  quoteVolume: bigint;
  count: number;
}

const FIRST_CAPACITY = 64;
const U64_MAX = 2n ** 64n - 1n;

/**
 * The buckets of the window as a ring of columns, addressed by bucket id (ids run 0, 1, 2...; the
 * live ones are [firstId, nextId), each at id % capacity). Prices and sizes are integers (ticks,
 * lots) kept in float64 columns, as exact as any JavaScript number below 2^53.
 */
class BucketRing {
  capacity = 0;
  sec = new Float64Array(0);
  open = new Float64Array(0);
  high = new Float64Array(0);
  low = new Float64Array(0);
  volume = new Float64Array(0);
  count = new Float64Array(0);
  /** A second's quote volume; one that does not fit 64 bits is in `bigQuote` (by id) and 0 here. */
  quote = new BigUint64Array(0);
  readonly bigQuote = new Map<number, bigint>();

  at(id: number): number {
    return id % this.capacity;
  }

  /** Room for `live` buckets, ids [firstId, nextId) moved to their places in the larger ring. */
  grow(firstId: number, nextId: number, atLeast: number): void {
    const capacity = Math.max(atLeast, Math.min(WINDOW_SECONDS, Math.max(FIRST_CAPACITY, this.capacity * 2)));
    const old = { capacity: this.capacity, sec: this.sec, open: this.open, high: this.high, low: this.low, volume: this.volume, count: this.count, quote: this.quote };
    this.capacity = capacity;
    this.sec = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
    this.quote = new BigUint64Array(capacity);
    for (let id = firstId; id < nextId; id++) {
      const from = id % old.capacity;
      const to = id % capacity;
      this.sec[to] = old.sec[from]!;
      this.open[to] = old.open[from]!;
      this.high[to] = old.high[from]!;
      this.low[to] = old.low[from]!;
      this.volume[to] = old.volume[from]!;
      this.count[to] = old.count[from]!;
      this.quote[to] = old.quote[from]!;
    }
  }

  quoteOf(id: number): bigint {
    return (this.bigQuote.size && this.bigQuote.get(id)) || this.quote[this.at(id)]!;
  }

  setQuote(id: number, q: bigint): void {
    if (q <= U64_MAX) {
      this.quote[this.at(id)] = q;
      if (this.bigQuote.size) this.bigQuote.delete(id);
    } else {
      this.quote[this.at(id)] = 0n;
      this.bigQuote.set(id, q);
    }
  }
}

/** A deque of bucket ids (front = oldest) over a plain array with a moving head. */
class IdDeque {
  private ids: number[] = [];
  private head = 0;

  get empty(): boolean {
    return this.head === this.ids.length;
  }

  front(): number {
    return this.ids[this.head]!;
  }

  back(): number {
    return this.ids[this.ids.length - 1]!;
  }

  popFront(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
  }

  popBack(): void {
    this.ids.pop();
  }

  push(id: number): void {
    this.ids.push(id);
  }
}

export class RollingTicker {
  private readonly ring = new BucketRing();
  private firstId = 0;
  private nextId = 0;
  /** Bucket ids with strictly decreasing highs / increasing lows, oldest first. */
  private readonly maxQ = new IdDeque();
  private readonly minQ = new IdDeque();
  private volume = 0;
  private quoteVolume = 0n;
  private count = 0;
  private last: number | undefined;
  private lastSec = -Infinity;

  /** Adds a trade at engine time `ts` (ms). Trades must come in time order per symbol; older ones are ignored. */
  addTrade(price: number, quantity: number, ts: number): boolean {
    const sec = Math.floor(ts / 1000);
    if (sec < this.lastSec) return false;
    const r = this.ring;
    let id = this.nextId - 1;
    const quote = BigInt(price) * BigInt(quantity);
    if (this.size === 0 || r.sec[r.at(id)] !== sec) {
      id = this.newBucket(sec, price);
      r.high[r.at(id)] = price;
      r.low[r.at(id)] = price;
    } else {
      const i = r.at(id);
      if (price > r.high[i]!) r.high[i] = price;
      if (price < r.low[i]!) r.low[i] = price;
    }
    const i = r.at(id);
    r.volume[i] = r.volume[i]! + quantity;
    r.count[i] = r.count[i]! + 1;
    r.setQuote(id, r.quoteOf(id) + quote);
    this.lastSec = sec;
    this.volume += quantity;
    this.quoteVolume += quote;
    this.count++;
    this.last = price;
    this.pushExtremes(id);
    return true;
  }

  /** Restores seconds summarised from stored trades (after a restart), oldest first, before any addTrade. */
  restore(seconds: readonly SecondSummary[]): void {
    for (const s of seconds) {
      if (s.sec <= this.lastSec) continue;
      const id = this.newBucket(s.sec, s.open);
      const i = this.ring.at(id);
      this.ring.high[i] = s.high;
      this.ring.low[i] = s.low;
      this.ring.volume[i] = s.volume;
      this.ring.count[i] = s.count;
      this.ring.setQuote(id, s.quoteVolume);
      this.lastSec = s.sec;
      this.volume += s.volume;
      this.quoteVolume += s.quoteVolume;
      this.count += s.count;
      this.last = s.close;
      this.pushExtremes(id);
    }
  }

  /** The ticker over the 24h ending at the second of `now` (ms). */
  stats(now: number): TickerStats {
    const sec = Math.floor(now / 1000);
    this.evict(sec - WINDOW_SECONDS);
    const empty = this.size === 0;
    const r = this.ring;
    return {
      openTime: (sec - WINDOW_SECONDS + 1) * 1000,
      closeTime: sec * 1000 + 999,
      open: empty ? undefined : r.open[r.at(this.firstId)],
      high: empty ? undefined : r.high[r.at(this.maxQ.front())],
      low: empty ? undefined : r.low[r.at(this.minQ.front())],
      last: this.last,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      count: this.count,
    };
  }

  /** Buckets held (seconds with trades inside the window): the memory bound is 86,400. */
  get size(): number {
    return this.nextId - this.firstId;
  }

  /** A bucket for `sec` (later than every one held), empty but for its open price. */
  private newBucket(sec: number, open: number): number {
    // a full ring holds a whole day: what the new second pushes out is outside every later window
    if (this.size === this.ring.capacity && this.size === WINDOW_SECONDS) this.evict(sec - WINDOW_SECONDS);
    if (this.size === this.ring.capacity) this.ring.grow(this.firstId, this.nextId, this.size + 1);
    const id = this.nextId++;
    const i = this.ring.at(id);
    this.ring.sec[i] = sec;
    this.ring.open[i] = open;
    this.ring.volume[i] = 0;
    this.ring.count[i] = 0;
    this.ring.setQuote(id, 0n);
    return id;
  }

  private pushExtremes(id: number): void {
    const r = this.ring;
    const high = r.high[r.at(id)]!;
    const low = r.low[r.at(id)]!;
    if (!this.maxQ.empty && this.maxQ.back() === id) this.maxQ.popBack();
    while (!this.maxQ.empty && r.high[r.at(this.maxQ.back())]! <= high) this.maxQ.popBack();
    this.maxQ.push(id);
    if (!this.minQ.empty && this.minQ.back() === id) this.minQ.popBack();
    while (!this.minQ.empty && r.low[r.at(this.minQ.back())]! >= low) this.minQ.popBack();
    this.minQ.push(id);
  }

  private evict(upToSec: number): void {
    const r = this.ring;
    while (this.size > 0 && r.sec[r.at(this.firstId)]! <= upToSec) {
      const id = this.firstId++;
      const i = r.at(id);
      this.volume -= r.volume[i]!;
      this.quoteVolume -= r.quoteOf(id);
      this.count -= r.count[i]!;
      r.bigQuote.delete(id);
      if (!this.maxQ.empty && this.maxQ.front() === id) this.maxQ.popFront();
      if (!this.minQ.empty && this.minQ.front() === id) this.minQ.popFront();
    }
  }
}
