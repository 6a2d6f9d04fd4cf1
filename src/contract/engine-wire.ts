// The engine contract's records as they decode from Avro (see avro/*.avsc; field names kept).
import { makeInstrument, type Instrument, type InstrumentSpec } from '../domain/instrument.js';

export interface WireLevel {
  price: string;
  quantity: string;
}

export interface WireTrade {
  trade_id: string;
  price: string;
  quantity: string;
  taker_side: 'buy' | 'sell';
  maker_order_id: string;
  taker_order_id: string;
}

export interface WireBookDelta {
  bids: WireLevel[];
  asks: WireLevel[];
}

export type EventKind = 'TRADE' | 'BOOK_DELTA' | 'OPEN_INTEREST';

export interface WireEngineEvent {
  symbol: string;
  sequence: number;
  timestamp: number;
  send_time_us: number;
  kind: EventKind;
  trade: WireTrade | null;
  book_delta: WireBookDelta | null;
  open_interest: { quantity: string } | null;
}

export interface WireBookSnapshot {
  symbol: string;
  sequence: number;
  timestamp: number;
  send_time_us: number;
  bids: WireLevel[];
  asks: WireLevel[];
}

export interface WireBookHash {
  symbol: string;
  sequence: number;
  timestamp: number;
  send_time_us: number;
  algorithm: string;
  depth: number;
  hash: number;
}

export interface WireInstrument {
  symbol: string;
  base: string;
  quote: string;
  kind: 'spot' | 'perpetual';
  tick_size: string;
  lot_size: string;
  status: 'trading' | 'halted';
  perpetual: { index_symbol: string; funding_interval_hours: number; interest_rate: string } | null;
  timestamp: number;
}

export interface WireInstrumentStatus {
  symbol: string;
  status: 'trading' | 'halted';
  reason: string;
  sequence: number;
  timestamp: number;
}

/** The domain instrument of an instrument record; throws (a DecimalError or an Error) when it is invalid. */
/** An instrument record as the domain's instrument (`make` validates the symbol's form). */
export function instrumentOfWire(w: WireInstrument, make: (spec: InstrumentSpec) => Instrument = makeInstrument): Instrument {
  return make({
    symbol: w.symbol,
    base: w.base,
    quote: w.quote,
    kind: w.kind,
    status: w.status,
    tickSize: w.tick_size,
    lotSize: w.lot_size,
    perpetual: w.perpetual ? { indexSymbol: w.perpetual.index_symbol, fundingIntervalHours: w.perpetual.funding_interval_hours, interestRate: w.perpetual.interest_rate } : undefined,
  });
}
