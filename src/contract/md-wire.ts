// The md.* output contract: the records this service publishes (Avro schemas in avro/md.*.avsc),
// as the publisher writes them and an edge reads them back.
import type { CandleView, TickerView } from '../domain/wire-views.js';
import type { TradeValue } from '../market/market-output.js';

export interface MdLevel {
  price: string;
  quantity: string;
}

export type MdTrade = TradeValue;

export interface MdDelta {
  symbol: string;
  sequence: number;
  prev_sequence: number;
  timestamp: number;
  engine_send_time_us: number;
  bids: MdLevel[];
  asks: MdLevel[];
  checksum: number;
}

export interface MdSnapshot {
  symbol: string;
  sequence: number;
  timestamp: number;
  reason: 'start' | 'resync' | 'periodic' | 'resume';
  status: 'in_sync' | 'resyncing' | 'halted';
  bids: MdLevel[];
  asks: MdLevel[];
  checksum: number;
}

/** A candle as md.ohlcv.v1 carries it: Avro enum symbols cannot start with a digit. */
export type MdCandle = Omit<CandleView, 'interval'> & { interval: string };
export type MdTicker = TickerView;

export const AVRO_INTERVAL: Record<string, string> = { '1m': 'm1', '5m': 'm5', '15m': 'm15', '1h': 'h1', '4h': 'h4', '1d': 'd1' };
export const INTERVAL_OF_AVRO: Record<string, CandleView['interval']> = Object.fromEntries(Object.entries(AVRO_INTERVAL).map(([k, v]) => [v, k])) as Record<string, CandleView['interval']>;

/** Fully qualified record names, checked on decode. */
export const MD_RECORD = {
  trade: 'exchange.md.v1.Trade',
  delta: 'exchange.md.v1.BookDelta',
  snapshot: 'exchange.md.v1.BookSnapshot',
  candle: 'exchange.md.v1.Candle',
  ticker: 'exchange.md.v1.Ticker24h',
  mark: 'exchange.md.v1.MarkPrice',
  index: 'exchange.md.v1.IndexPrice',
  funding: 'exchange.md.v1.FundingRate',
} as const;
