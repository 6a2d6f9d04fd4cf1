import { Increment } from './decimal.js';

export type InstrumentKind = 'spot' | 'perpetual';
export type InstrumentStatus = 'trading' | 'halted';

/** What a perpetual needs for index, mark and funding. */
export interface PerpetualTerms {
  /** The index this contract tracks, e.g. BTCUSDT-INDEX. */
  indexSymbol: string;
  fundingIntervalHours: number;
  /** Interest rate per funding interval, decimal string (e.g. "0.0001" = 0.01 %). */
  interestRate: string;
}

export interface InstrumentSpec {
  symbol: string;
  base: string;
  quote: string;
  kind: InstrumentKind;
  status: InstrumentStatus;
  tickSize: string;
  lotSize: string;
  perpetual?: PerpetualTerms;
}

export interface Instrument extends InstrumentSpec {
  /** Prices are whole numbers of ticks. */
  tick: Increment;
  /** Sizes are whole numbers of lots. */
  lot: Increment;
}

const SYMBOL = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const VENUE_SYMBOL = /^[a-z0-9]{1,20}:[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;

/** Validates a spec (throws with the reason) and attaches its increments. */
export function makeInstrument(spec: InstrumentSpec): Instrument {
  if (!SYMBOL.test(spec.symbol)) throw new Error(`symbol ${JSON.stringify(spec.symbol)} must be 1-32 of A-Z 0-9 _ -`);
  return withIncrements(spec);
}

/** The same for an outside venue's market, named `venue:BASE/QUOTE` or `venue:BASE/QUOTE:SETTLE`. */
export function makeVenueInstrument(spec: InstrumentSpec): Instrument {
  if (!VENUE_SYMBOL.test(spec.symbol)) throw new Error(`venue symbol ${JSON.stringify(spec.symbol)} must be venue:BASE/QUOTE or venue:BASE/QUOTE:SETTLE`);
  return withIncrements(spec);
}

function withIncrements(spec: InstrumentSpec): Instrument {
  if (spec.kind === 'perpetual' && !spec.perpetual) throw new Error(`perpetual ${spec.symbol} has no funding terms`);
  return { ...spec, tick: Increment.parse(spec.tickSize), lot: Increment.parse(spec.lotSize) };
}

type Increments = Pick<Instrument, 'tick' | 'lot'>;

/** Levels held in ticks and lots as the wire's [price, quantity] decimal strings. */
export const levelStrings = (inc: Increments, levels: Iterable<readonly [number, number]>): [string, string][] =>
  Array.from(levels, ([p, q]) => [inc.tick.format(p), inc.lot.format(q)]);

/** The same as Avro/JSON records: { price, quantity }. */
export const levelRecords = (inc: Increments, levels: Iterable<readonly [number, number]>): { price: string; quantity: string }[] =>
  Array.from(levels, ([p, q]) => ({ price: inc.tick.format(p), quantity: inc.lot.format(q) }));
