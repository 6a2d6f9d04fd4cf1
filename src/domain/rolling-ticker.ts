// The 24h rolling ticker of one symbol, exact to the second: trades are kept as one bucket per
// second that had trades (at most 86,400 per symbol), with running sums and monotonic deques for
// the window's high and low, so both adding a trade and reading the ticker are O(1) amortised.
// Prices in ticks, volume in lots, quote volume exact (BigInt tick × lot units). Pure.

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

interface Bucket extends SecondSummary {
  /** Sequential id, for the deques. */
  id: number;
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

export class RollingTicker {
  private buckets: Bucket[] = [];
  private head = 0;
  private nextId = 0;
  /** Bucket ids with strictly decreasing highs / increasing lows, oldest first. */
  private maxQ: Bucket[] = [];
  private minQ: Bucket[] = [];
  private volume = 0;
  private quoteVolume = 0n;
  private count = 0;
  private last: number | undefined;
  private lastSec = -Infinity;

  /** Adds a trade at engine time `ts` (ms). Trades must come in time order per symbol; older ones are ignored. */
  addTrade(price: number, quantity: number, ts: number): boolean {
    const sec = Math.floor(ts / 1000);
    if (sec < this.lastSec) return false;
    let b = this.buckets.length > this.head ? this.buckets[this.buckets.length - 1]! : undefined;
    if (!b || b.sec !== sec) {
      b = { id: this.nextId++, sec, open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0n, count: 0 };
      this.buckets.push(b);
    }
    this.lastSec = sec;
    if (price > b.high || b.count === 0) b.high = Math.max(b.high, price);
    if (price < b.low || b.count === 0) b.low = Math.min(b.low, price);
    b.close = price;
    b.volume += quantity;
    b.quoteVolume += BigInt(price) * BigInt(quantity);
    b.count++;
    this.volume += quantity;
    this.quoteVolume += BigInt(price) * BigInt(quantity);
    this.count++;
    this.last = price;
    push(this.maxQ, b, (x) => x.high, (a, c) => a <= c);
    push(this.minQ, b, (x) => x.low, (a, c) => a >= c);
    return true;
  }

  /** Restores seconds summarised from stored trades (after a restart), oldest first, before any addTrade. */
  restore(seconds: readonly SecondSummary[]): void {
    for (const s of seconds) {
      if (s.sec <= this.lastSec) continue;
      const b: Bucket = { ...s, id: this.nextId++ };
      this.buckets.push(b);
      this.lastSec = s.sec;
      this.volume += s.volume;
      this.quoteVolume += s.quoteVolume;
      this.count += s.count;
      this.last = s.close;
      push(this.maxQ, b, (x) => x.high, (a, c) => a <= c);
      push(this.minQ, b, (x) => x.low, (a, c) => a >= c);
    }
  }

  /** The ticker over the 24h ending at the second of `now` (ms). */
  stats(now: number): TickerStats {
    const sec = Math.floor(now / 1000);
    this.evict(sec - WINDOW_SECONDS);
    const empty = this.buckets.length === this.head;
    return {
      openTime: (sec - WINDOW_SECONDS + 1) * 1000,
      closeTime: sec * 1000 + 999,
      open: empty ? undefined : this.buckets[this.head]!.open,
      high: empty ? undefined : this.maxQ[0]!.high,
      low: empty ? undefined : this.minQ[0]!.low,
      last: this.last,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      count: this.count,
    };
  }

  /** Buckets held (seconds with trades inside the window): the memory bound is 86,400. */
  get size(): number {
    return this.buckets.length - this.head;
  }

  private evict(upToSec: number): void {
    while (this.head < this.buckets.length && this.buckets[this.head]!.sec <= upToSec) {
      const b = this.buckets[this.head++]!;
      this.volume -= b.volume;
      this.quoteVolume -= b.quoteVolume;
      this.count -= b.count;
      if (this.maxQ[0] === b) this.maxQ.shift();
      if (this.minQ[0] === b) this.minQ.shift();
    }
    if (this.head > 1024 && this.head * 2 > this.buckets.length) {
      this.buckets = this.buckets.slice(this.head);
      this.head = 0;
    }
  }
}

/** Keeps `q` monotonic with the newest bucket at the back (it is always there). */
function push(q: Bucket[], b: Bucket, key: (b: Bucket) => number, dominated: (older: number, newer: number) => boolean): void {
  if (q.length && q[q.length - 1] === b) q.pop();
  while (q.length && dominated(key(q[q.length - 1]!), key(b))) q.pop();
  q.push(b);
}
