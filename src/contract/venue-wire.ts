// The md.venue.* output contract (Avro schemas in avro/md.venue.*.avsc): outside venues' streams
// as this service publishes them, built from the same values the WebSocket serves.
import { levelRecords, type Instrument } from '../domain/instrument.js';
import type { Level } from '../domain/order-book.js';
import type { FundingView, LiquidationView, MarkView, TickerView } from '../domain/wire-views.js';
import type { BookDeltaValue, BookSnapshotValue, TradeValue } from '../market/market-output.js';
import type { MdLevel } from './md-wire.js';

export interface VenueTradeRecord {
  venue_symbol: string;
  trade_id: string;
  sequence: number;
  price: string;
  quantity: string;
  taker_side: 'buy' | 'sell';
  exchange_time: number;
  receive_time: number;
}

export interface VenueBookRecord {
  venue_symbol: string;
  type: 'snapshot' | 'delta';
  reason: string | null;
  sequence: number;
  prev_sequence: number | null;
  exchange_time: number;
  receive_time: number;
  bids: MdLevel[];
  asks: MdLevel[];
  checksum: number;
}

export interface VenueTickerRecord {
  venue_symbol: string;
  last: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  best_bid: string | null;
  best_bid_qty: string | null;
  best_ask: string | null;
  best_ask_qty: string | null;
  volume: string;
  quote_volume: string;
  exchange_time: number;
  receive_time: number;
}

export interface VenueFundingRecord {
  venue_symbol: string;
  mark_price: string;
  index_price: string;
  funding_rate: string;
  next_funding_time: number;
  exchange_time: number;
  receive_time: number;
}

export interface VenueLiquidationRecord {
  venue_symbol: string;
  sequence: number;
  side: 'buy' | 'sell';
  price: string;
  avg_price: string | null;
  quantity: string;
  exchange_time: number;
  receive_time: number;
}

export const venueTradeRecord = (t: TradeValue): VenueTradeRecord => ({
  venue_symbol: t.symbol,
  trade_id: t.trade_id,
  sequence: t.sequence,
  price: t.price,
  quantity: t.quantity,
  taker_side: t.taker_side,
  exchange_time: t.timestamp,
  receive_time: Math.floor(t.engine_send_time_us / 1000),
});

const levels = (inst: Instrument, l: Iterable<readonly [number, number]>) => levelRecords(inst, l as Iterable<Level>);

export const venueDeltaRecord = (inst: Instrument, d: BookDeltaValue): VenueBookRecord => ({
  venue_symbol: d.symbol,
  type: 'delta',
  reason: null,
  sequence: d.sequence,
  prev_sequence: d.prevSequence,
  exchange_time: d.timestamp,
  receive_time: Math.floor(d.sendTimeUs / 1000),
  bids: levels(inst, d.bids),
  asks: levels(inst, d.asks),
  checksum: d.checksum,
});

export const venueSnapshotRecord = (inst: Instrument, s: BookSnapshotValue, receivedAt: number): VenueBookRecord => ({
  venue_symbol: s.symbol,
  type: 'snapshot',
  reason: s.reason,
  sequence: s.sequence,
  prev_sequence: null,
  exchange_time: s.timestamp,
  receive_time: receivedAt,
  bids: levels(inst, s.bids),
  asks: levels(inst, s.asks),
  checksum: s.checksum,
});

export const venueTickerRecord = (t: TickerView, receivedAt: number): VenueTickerRecord => ({
  venue_symbol: t.symbol,
  last: t.last,
  open: t.open,
  high: t.high,
  low: t.low,
  best_bid: t.best_bid,
  best_bid_qty: t.best_bid_qty,
  best_ask: t.best_ask,
  best_ask_qty: t.best_ask_qty,
  volume: t.volume,
  quote_volume: t.quote_volume,
  exchange_time: t.timestamp,
  receive_time: receivedAt,
});

/** A venue perpetual's mark and funding (its index price is the mark's): undefined when either side is missing. */
export const venueFundingRecord = (mark: MarkView, funding: FundingView, receivedAt: number): VenueFundingRecord | undefined =>
  mark.mark_price === null || mark.index_price === null
    ? undefined
    : {
        venue_symbol: mark.symbol,
        mark_price: mark.mark_price,
        index_price: mark.index_price,
        funding_rate: funding.funding_rate,
        next_funding_time: funding.next_funding_time,
        exchange_time: funding.timestamp,
        receive_time: receivedAt,
      };

export const venueLiquidationRecord = (symbol: string, l: LiquidationView, receivedAt: number): VenueLiquidationRecord => ({
  venue_symbol: symbol,
  sequence: l.seq,
  side: l.side,
  price: l.price,
  avg_price: l.avg_price,
  quantity: l.qty,
  exchange_time: l.ts,
  receive_time: receivedAt,
});
