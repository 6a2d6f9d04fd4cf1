// OHLCV candles from trades, bucketed by the trade's engine timestamp. Prices in ticks, volume in
// lots, quote volume exact (BigInt, in units of tick × lot). Pure.
import type { SecondSummary } from './rolling-ticker.js';

export const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;
export const INTERVAL_NAMES = Object.keys(INTERVALS) as Interval[];

export interface Candle {
  interval: Interval;
  /** Epoch ms, a multiple of the interval (UTC). */
  openTime: number;
  /** openTime + interval - 1, as the big exchanges report it. */
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Lots. */
  volume: number;
  /** Σ price × quantity in units of (tick × lot): exact, and beyond 2^53 quickly. */
  quoteVolume: bigint;
  tradeCount: number;
  closed: boolean;
}

export const bucketStart = (ts: number, interval: Interval): number => ts - (((ts % INTERVALS[interval]) + INTERVALS[interval]) % INTERVALS[interval]);

function opened(interval: Interval, openTime: number, price: number): Candle {
  return { interval, openTime, closeTime: openTime + INTERVALS[interval] - 1, open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0n, tradeCount: 0, closed: false };
}

/**
 * The candle of one symbol and interval in progress. A trade in a later bucket closes it (and
 * every empty interval in between gets a flat candle at the previous close, volume 0); so does
 * the clock, through closeUntil. A trade older than the current bucket is refused (late).
 */
export class CandleBuilder {
  private current: Candle | undefined;

  constructor(
    readonly interval: Interval,
    /** Resume from a stored in-progress candle (after a restart). */
    from?: Candle,
  ) {
    this.current = from ? { ...from } : undefined;
  }

  get candle(): Candle | undefined {
    return this.current;
  }

  /** Adds a trade; returns the candles it closed (oldest first), or 'late' when it belongs to a closed bucket. */
  addTrade(price: number, quantity: number, ts: number, closedOut: Candle[]): 'ok' | 'late' {
    const start = bucketStart(ts, this.interval);
    let c = this.current;
    if (c && start < c.openTime) return 'late';
    if (c && start > c.openTime) {
      this.rollTo(start, closedOut);
      c = this.current;
    }
    if (!c) {
      c = opened(this.interval, start, price);
      this.current = c;
    } else if (c.tradeCount === 0) {
      // a flat candle opened by the clock gets its first trade: it opens there
      c.open = price;
      c.high = price;
      c.low = price;
    } else {
      if (price > c.high) c.high = price;
      if (price < c.low) c.low = price;
    }
    c.close = price;
    c.volume += quantity;
    c.quoteVolume += BigInt(price) * BigInt(quantity);
    c.tradeCount++;
    return 'ok';
  }

  /** Closes every candle whose interval ended at or before `until` (engine or wall clock, ms). */
  closeUntil(until: number, closedOut: Candle[]): void {
    const c = this.current;
    if (!c || c.closeTime >= until) return;
    this.rollTo(bucketStart(until, this.interval), closedOut);
  }

  /** Closes the current candle and the flat ones up to (not including) the bucket at `start`. */
  private rollTo(start: number, closedOut: Candle[]): void {
    let c = this.current!;
    while (c.openTime < start) {
      c.closed = true;
      closedOut.push(c);
      c = opened(this.interval, c.openTime + INTERVALS[this.interval], c.close);
    }
    this.current = c;
  }
}

/**
 * The candle of `interval` that contains the last of `seconds` (per-second summaries, oldest
 * first), as it stood after that second: how a restart rebuilds an in-progress candle.
 */
export function candleFromSeconds(interval: Interval, seconds: readonly SecondSummary[]): Candle | undefined {
  const last = seconds[seconds.length - 1];
  if (!last) return undefined;
  const start = bucketStart(last.sec * 1000, interval);
  let c: Candle | undefined;
  for (const s of seconds) {
    if (s.sec * 1000 < start) continue;
    if (!c) {
      c = { ...opened(interval, start, s.open), high: s.high, low: s.low };
    } else {
      if (s.high > c.high) c.high = s.high;
      if (s.low < c.low) c.low = s.low;
    }
    c.close = s.close;
    c.volume += s.volume;
    c.quoteVolume += s.quoteVolume;
    c.tradeCount += s.count;
  }
  return c;
}

/** Batch recomputation from a list of trades (the reference the incremental builder must equal). */
export function candlesFromTrades(trades: readonly { price: number; quantity: number; ts: number }[], interval: Interval, until: number): Candle[] {
  const out: Candle[] = [];
  if (trades.length === 0) return out;
  const size = INTERVALS[interval];
  const byBucket = new Map<number, { price: number; quantity: number; ts: number }[]>();
  for (const t of trades) {
    const b = bucketStart(t.ts, interval);
    const list = byBucket.get(b) ?? [];
    list.push(t);
    byBucket.set(b, list);
  }
  const first = bucketStart(trades[0]!.ts, interval);
  let prevClose = trades[0]!.price;
  for (let b = first; b + size <= until; b += size) {
    const ts = byBucket.get(b);
    if (!ts) {
      out.push({ ...opened(interval, b, prevClose), closed: true });
      continue;
    }
    const c = opened(interval, b, ts[0]!.price);
    c.high = Math.max(...ts.map((t) => t.price));
    c.low = Math.min(...ts.map((t) => t.price));
    c.close = ts[ts.length - 1]!.price;
    c.volume = ts.reduce((a, t) => a + t.quantity, 0);
    c.quoteVolume = ts.reduce((a, t) => a + BigInt(t.price) * BigInt(t.quantity), 0n);
    c.tradeCount = ts.length;
    c.closed = true;
    out.push(c);
    prevClose = c.close;
  }
  return out;
}
