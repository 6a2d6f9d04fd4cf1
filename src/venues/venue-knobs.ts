// What a stream's `persist` knob lets through to the stores: the outputs and prices of the venue
// streams that have it on (the venue market produces for every stream).
import type { MarketOutput } from '../market/market-output.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import type { VenueKind } from './venue.js';
import type { VenueStreams } from './venue-streams.js';

type Knobs = Pick<VenueStreams, 'specOf'>;

const persists = (streams: Knobs, symbol: string, kind: VenueKind) => streams.specOf(symbol, kind)?.persist === true;

/** The part of a venue take whose streams persist (books, trades, tickers, liquidations). */
export function persistedOutput(out: MarketOutput, streams: Knobs): MarketOutput {
  return {
    trades: out.trades.filter((t) => persists(streams, t.symbol, 'trades')),
    deltas: out.deltas.filter((d) => persists(streams, d.symbol, 'book')),
    snapshots: out.snapshots.filter((s) => persists(streams, s.symbol, 'book')),
    candles: [],
    tickers: out.tickers.filter((t) => persists(streams, t.symbol, 'ticker')),
    liquidations: out.liquidations?.filter((l) => persists(streams, l.symbol, 'liquidations')),
  };
}

/** The venue perpetuals' prices whose funding stream persists. */
export function persistedPricing(out: PricingOutput, streams: Knobs): PricingOutput {
  const funding = out.funding.filter((f) => persists(streams, f.symbol, 'funding'));
  const symbols = new Set(funding.map((f) => f.symbol));
  const marks = out.marks.filter((m) => symbols.has(m.symbol));
  const indices = new Set(marks.map((m) => m.index_symbol));
  return { funding, marks, indices: out.indices.filter((i) => indices.has(i.index_symbol)) };
}
