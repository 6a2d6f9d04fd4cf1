// One market for the API out of several sources: the exchange's own (engine ingest or md.*
// follower) and the outside venues. A venue symbol (`binance:BTC/USDT`) has a colon; the
// exchange's own symbols never do, so a symbol belongs to exactly one source.
import { isVenueSymbol } from '../venues/venue.js';
import type { MarketView } from './market-view.js';

export function compositeView(own: MarketView, venues: MarketView): MarketView {
  const of = (symbol: string) => (isVenueSymbol(symbol) ? venues : own);
  return {
    instrument: (s) => of(s).instrument(s),
    symbols: () => [...own.symbols(), ...venues.symbols()],
    book: (s) => of(s).book(s),
    status: (s) => of(s).status(s),
    publishedSequence: (s) => of(s).publishedSequence(s),
    ticker: (s, now) => of(s).ticker(s, now),
    openCandle: (s, i) => of(s).openCandle(s, i),
  };
}
