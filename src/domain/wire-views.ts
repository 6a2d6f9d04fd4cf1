// Domain values as they go on every wire (md.* Avro, WebSocket, REST): decimal strings in the
// instrument's increments. One place, so every output formats the same value the same way.
import type { Candle, Interval } from './candle.js';
import { formatScaled } from './decimal.js';
import type { Instrument } from './instrument.js';
import type { OrderBook } from './order-book.js';
import type { TickerStats } from './rolling-ticker.js';

/** One trade as clients see it (WebSocket trades channel, /v1/trades). */
export interface TradeView {
  id: string;
  price: string;
  qty: string;
  side: 'buy' | 'sell';
  ts: number;
  seq: number;
}

/**
 * A forced liquidation on a venue perpetual: the venue's liquidation order (its side: `sell` closes
 * a long), its limit price on the tick, the average price it filled at (a decimal string, not
 * necessarily on the tick), the quantity filled, the venue's time and the stream's own `seq`.
 */
export interface LiquidationView {
  side: 'buy' | 'sell';
  price: string;
  /** The average fill price as the venue sent it; null where it sends none (bybit). */
  avg_price: string | null;
  qty: string;
  ts: number;
  seq: number;
}

export interface CandleView {
  symbol: string;
  interval: Interval;
  open_time: number;
  close_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trade_count: number;
  closed: boolean;
}

export interface TickerView {
  symbol: string;
  timestamp: number;
  open_time: number;
  close_time: number;
  open: string | null;
  high: string | null;
  low: string | null;
  last: string | null;
  price_change: string | null;
  price_change_percent: string | null;
  volume: string;
  quote_volume: string;
  trade_count: number;
  best_bid: string | null;
  best_bid_qty: string | null;
  best_ask: string | null;
  best_ask_qty: string | null;
  open_interest: string | null;
}

export interface IndexView {
  index_symbol: string;
  price: string | null;
  stale: boolean;
  timestamp: number;
  sources_used: string[];
  sources_excluded: { source: string; reason: string }[];
}
export interface MarkView {
  symbol: string;
  index_symbol: string;
  mark_price: string | null;
  index_price: string | null;
  premium_ema: string | null;
  stale: boolean;
  timestamp: number;
}
export interface FundingView {
  symbol: string;
  funding_rate: string;
  /** null for an outside venue, which publishes its rate but not the premium behind it. */
  premium_rate_avg: string | null;
  interest_rate: string;
  next_funding_time: number;
  countdown_seconds: number;
  timestamp: number;
}

/** Σ price×quantity held in tick×lot units, as a decimal string. */
export const quoteAmount = (inst: Instrument, units: bigint): string =>
  formatScaled(units * BigInt(inst.tick.step) * BigInt(inst.lot.step), inst.tick.decimals + inst.lot.decimals);

export function candleView(inst: Instrument, c: Candle): CandleView {
  const p = (t: number) => inst.tick.format(t);
  return {
    symbol: inst.symbol,
    interval: c.interval,
    open_time: c.openTime,
    close_time: c.closeTime,
    open: p(c.open),
    high: p(c.high),
    low: p(c.low),
    close: p(c.close),
    volume: inst.lot.format(c.volume),
    quote_volume: quoteAmount(inst, c.quoteVolume),
    trade_count: c.tradeCount,
    closed: c.closed,
  };
}

/** Change in percent of `open`, rounded half away from zero to 3 decimals (as Binance shows it). */
export function percentChange(open: number, last: number): string {
  const scaled = (BigInt(last - open) * 100_000n * 2n) / BigInt(open); // ×1000 for 3 decimals, ×100 for %, ×2 to round
  const rounded = scaled >= 0n ? (scaled + 1n) / 2n : (scaled - 1n) / 2n;
  const digits = (rounded < 0n ? -rounded : rounded).toString().padStart(4, '0');
  return `${rounded < 0n ? '-' : ''}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

export function tickerView(inst: Instrument, s: TickerStats, book: OrderBook | undefined, openInterest: string | null, now: number): TickerView {
  const p = (t: number | undefined) => (t === undefined ? null : inst.tick.format(t));
  const bid = book?.bestBid();
  const ask = book?.bestAsk();
  const change = s.open !== undefined && s.last !== undefined ? s.last - s.open : undefined;
  return {
    symbol: inst.symbol,
    timestamp: now,
    open_time: s.openTime,
    close_time: s.closeTime,
    open: p(s.open),
    high: p(s.high),
    low: p(s.low),
    last: p(s.last),
    price_change: change === undefined ? null : (change < 0 ? '-' : '') + inst.tick.format(Math.abs(change)),
    price_change_percent: change === undefined ? null : percentChange(s.open!, s.last!),
    volume: inst.lot.format(s.volume),
    quote_volume: quoteAmount(inst, s.quoteVolume),
    trade_count: s.count,
    best_bid: bid ? inst.tick.format(bid[0]) : null,
    best_bid_qty: bid ? inst.lot.format(bid[1]) : null,
    best_ask: ask ? inst.tick.format(ask[0]) : null,
    best_ask_qty: ask ? inst.lot.format(ask[1]) : null,
    open_interest: openInterest,
  };
}
