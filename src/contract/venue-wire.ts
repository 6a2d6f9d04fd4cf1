// The md.venue.* output contract (Avro schemas in avro/md.venue.*.avsc): outside venues' streams
// as this service publishes them, built from the same values the WebSocket serves, and read back
// by an edge into those very values (md.venue.instruments.v1 carries md.instrument.v1 records).
import { levelRecords, makeVenueInstrument, type Instrument } from '../domain/instrument.js';
import type { Level } from '../domain/order-book.js';
import type { FundingView, LiquidationView, MarkView, TickerView } from '../domain/wire-views.js';
import type { BookDeltaValue, BookSnapshotValue, TradeValue } from '../market/market-output.js';
import { instrumentOfWire, type WireInstrument } from './engine-wire.js';
import type { MdDelta, MdLevel, MdSnapshot } from './md-wire.js';
import type { VenueFunding } from '../venues/venue.js';

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
  status: 'in_sync' | 'resyncing' | null;
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
  price_change: string | null;
  price_change_percent: string | null;
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
  status: null,
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
  status: s.status === 'resyncing' ? 'resyncing' : 'in_sync',
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
  price_change: t.price_change,
  price_change_percent: t.price_change_percent,
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

// ---- read back (an edge) ----

export const venueInstrumentRecord = (inst: Instrument, now: number): WireInstrument => ({
  symbol: inst.symbol,
  base: inst.base,
  quote: inst.quote,
  kind: inst.kind,
  tick_size: inst.tickSize,
  lot_size: inst.lotSize,
  status: inst.status,
  perpetual: inst.perpetual ? { index_symbol: inst.perpetual.indexSymbol, funding_interval_hours: inst.perpetual.fundingIntervalHours, interest_rate: inst.perpetual.interestRate } : null,
  timestamp: now,
});

/** A venue instrument record read back (a venue symbol's form, not an engine symbol's). */
export const instrumentOfVenueRecord = (w: WireInstrument): Instrument => instrumentOfWire(w, makeVenueInstrument);

/** A venue book record as the md.* book record an edge market takes (snapshot or delta). */
export function bookOfVenueRecord(r: VenueBookRecord): { snapshot: MdSnapshot } | { delta: MdDelta } {
  if (r.type === 'snapshot') {
    const reason = (['start', 'resync', 'periodic', 'resume'] as const).find((x) => x === r.reason) ?? 'resync';
    return { snapshot: { symbol: r.venue_symbol, sequence: r.sequence, timestamp: r.exchange_time, reason, status: r.status === 'resyncing' ? 'resyncing' : 'in_sync', bids: r.bids, asks: r.asks, checksum: r.checksum } };
  }
  return {
    delta: { symbol: r.venue_symbol, sequence: r.sequence, prev_sequence: r.prev_sequence ?? -1, timestamp: r.exchange_time, engine_send_time_us: r.receive_time * 1000, bids: r.bids, asks: r.asks, checksum: r.checksum },
  };
}

export const tradeOfVenueRecord = (r: VenueTradeRecord): TradeValue => ({
  symbol: r.venue_symbol,
  trade_id: r.trade_id,
  sequence: r.sequence,
  price: r.price,
  quantity: r.quantity,
  taker_side: r.taker_side,
  maker_order_id: '',
  taker_order_id: '',
  timestamp: r.exchange_time,
  engine_send_time_us: r.receive_time * 1000,
});

export const tickerOfVenueRecord = (r: VenueTickerRecord): TickerView => ({
  symbol: r.venue_symbol,
  timestamp: r.exchange_time,
  open_time: r.exchange_time - 86_400_000,
  close_time: r.exchange_time,
  open: r.open,
  high: r.high,
  low: r.low,
  last: r.last,
  price_change: r.price_change,
  price_change_percent: r.price_change_percent,
  volume: r.volume,
  quote_volume: r.quote_volume,
  trade_count: 0,
  best_bid: r.best_bid,
  best_bid_qty: r.best_bid_qty,
  best_ask: r.best_ask,
  best_ask_qty: r.best_ask_qty,
  open_interest: null,
});

export const fundingOfVenueRecord = (r: VenueFundingRecord): VenueFunding => ({
  markPrice: r.mark_price,
  indexPrice: r.index_price,
  fundingRate: r.funding_rate,
  nextFundingTime: r.next_funding_time,
  timestamp: r.exchange_time,
});

export const liquidationOfVenueRecord = (r: VenueLiquidationRecord): LiquidationView => ({ side: r.side, price: r.price, avg_price: r.avg_price, qty: r.quantity, ts: r.exchange_time, seq: r.sequence });

/** Fully qualified record names, checked on decode. */
export const VENUE_RECORD = {
  instruments: 'exchange.md.v1.Instrument',
  book: 'exchange.md.venue.v1.VenueBook',
  trades: 'exchange.md.venue.v1.VenueTrade',
  ticker: 'exchange.md.venue.v1.VenueTicker',
  funding: 'exchange.md.venue.v1.VenueFunding',
  liquidations: 'exchange.md.venue.v1.VenueLiquidation',
} as const;
