// The L2 order book on integer ticks (prices) and lots (sizes): pure, no I/O.
//
// Each side keeps two parallel arrays sorted so that the BEST level is LAST. Nearly all
// activity happens near the top of a book, so the splice that inserts or removes a level
// moves only the few elements after it, and reading the top N walks the array's tail.
// Asks store their keys negated, so both sides are ascending arrays searched the same way.

export type Side = 'bid' | 'ask';

/** [price in ticks, size in lots] */
export type Level = readonly [price: number, size: number];

export class BookSide {
  /** sign * price, ascending; best level last. */
  private keys: number[] = [];
  private sizes: number[] = [];
  private total = 0;

  constructor(private readonly sign: 1 | -1) {}

  get length(): number {
    return this.keys.length;
  }

  /** Sum of all sizes on this side, in lots. */
  get totalSize(): number {
    return this.total;
  }

  /** Index of the first key >= key. */
  private lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    // The top of the book (the end) is by far the most likely target: check it before searching.
    if (hi > 0 && key >= keys[hi - 1]!) return key === keys[hi - 1] ? hi - 1 : hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets the absolute size at a price (0 removes the level); returns the size it had before. */
  set(price: number, size: number): number {
    const key = this.sign * price;
    const i = this.lowerBound(key);
    if (i < this.keys.length && this.keys[i] === key) {
      const prev = this.sizes[i]!;
      this.total += size - prev;
      if (size === 0) {
        this.keys.splice(i, 1);
        this.sizes.splice(i, 1);
      } else {
        this.sizes[i] = size;
      }
      return prev;
    }
    if (size !== 0) {
      this.total += size;
      if (i === this.keys.length) {
        this.keys.push(key);
        this.sizes.push(size);
      } else {
        this.keys.splice(i, 0, key);
        this.sizes.splice(i, 0, size);
      }
    }
    return 0;
  }

  /** Size at a price, 0 when there is no level. */
  sizeAt(price: number): number {
    const key = this.sign * price;
    const i = this.lowerBound(key);
    return i < this.keys.length && this.keys[i] === key ? this.sizes[i]! : 0;
  }

  /** Best price in ticks, or undefined for an empty side. */
  bestPrice(): number | undefined {
    const n = this.keys.length;
    return n === 0 ? undefined : this.sign * this.keys[n - 1]!;
  }

  /** The i-th best level (0 = best). */
  level(i: number): Level | undefined {
    const j = this.keys.length - 1 - i;
    return j < 0 || i < 0 ? undefined : [this.sign * this.keys[j]!, this.sizes[j]!];
  }

  /** Price in ticks of the i-th best level (0 = best); i must be below length. */
  priceOfLevel(i: number): number {
    return this.sign * this.keys[this.keys.length - 1 - i]!;
  }

  /** Size in lots of the i-th best level (0 = best); i must be below length. */
  sizeOfLevel(i: number): number {
    return this.sizes[this.sizes.length - 1 - i]!;
  }

  /** The best `n` levels, best first (all levels when n is Infinity). */
  top(n: number): Level[] {
    const out: Level[] = [];
    for (let j = this.keys.length - 1; j >= 0 && out.length < n; j--) out.push([this.sign * this.keys[j]!, this.sizes[j]!]);
    return out;
  }

  /**
   * The best `n` levels after grouping prices into buckets of `group` ticks. Bids round down and
   * asks round up, so grouped levels never cross; the size of a bucket is the sum of its levels.
   */
  grouped(n: number, group: number): Level[] {
    const out: [number, number][] = [];
    for (let j = this.keys.length - 1; j >= 0; j--) {
      const price = this.sign * this.keys[j]!;
      const bucket = this.sign === 1 ? Math.floor(price / group) * group : Math.ceil(price / group) * group;
      const last = out[out.length - 1];
      if (last && last[0] === bucket) last[1] += this.sizes[j]!;
      else {
        if (out.length === n) break;
        out.push([bucket, this.sizes[j]!]);
      }
    }
    return out;
  }

  clear(): void {
    this.keys = [];
    this.sizes = [];
    this.total = 0;
  }

  /** Replaces every level from a list in any order (duplicates: the last wins; zero sizes skipped). */
  replace(levels: readonly Level[]): void {
    const byKey = new Map<number, number>();
    for (const [price, size] of levels) byKey.set(this.sign * price, size);
    const entries = [...byKey].filter(([, s]) => s !== 0).sort((a, b) => a[0] - b[0]);
    this.keys = entries.map((e) => e[0]);
    this.sizes = entries.map((e) => e[1]);
    this.total = this.sizes.reduce((a, b) => a + b, 0);
  }
}

export class OrderBook {
  readonly bids = new BookSide(1);
  readonly asks = new BookSide(-1);
  /** The engine sequence of the last event applied (0 before any). */
  sequence = 0;

  side(side: Side): BookSide {
    return side === 'bid' ? this.bids : this.asks;
  }

  /** Sets the absolute size of one level; size 0 removes it. Inputs are validated by the caller (see Books). */
  set(side: Side, price: number, size: number): void {
    (side === 'bid' ? this.bids : this.asks).set(price, size);
  }

  /** Replaces the whole book from a snapshot. */
  replace(bids: readonly Level[], asks: readonly Level[], sequence: number): void {
    this.bids.replace(bids);
    this.asks.replace(asks);
    this.sequence = sequence;
  }

  bestBid(): Level | undefined {
    return this.bids.level(0);
  }

  bestAsk(): Level | undefined {
    return this.asks.level(0);
  }

  /** bestBid + bestAsk in ticks, i.e. twice the mid (the mid itself may fall on a half tick). */
  midTimesTwo(): number | undefined {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    return b === undefined || a === undefined ? undefined : b + a;
  }

  /** True when the best bid is at or above the best ask: no real book looks like that. */
  isCrossed(): boolean {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    return b !== undefined && a !== undefined && b >= a;
  }

  depth(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.top(n), asks: this.asks.top(n) };
  }

  /** Top `n` levels per side grouped into buckets of `group` ticks (the WebSocket `prec`). */
  groupedDepth(n: number, group: number): { bids: Level[]; asks: Level[] } {
    if (group <= 1) return this.depth(n);
    return { bids: this.bids.grouped(n, group), asks: this.asks.grouped(n, group) };
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
    this.sequence = 0;
  }
}
