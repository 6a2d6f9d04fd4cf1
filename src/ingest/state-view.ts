// The ingest state seen through the read-only MarketView (a core or `all` process).
import type { Interval } from '../domain/candle.js';
import { candleView, tickerView, type TickerView } from '../domain/wire-views.js';
import type { MarketView } from '../market/market-view.js';
import type { MarketState } from './market-state.js';

/** The 24h ticker of a symbol on the engine clock (an empty window before its first trade). */
export function tickerOf(state: MarketState, symbol: string, wallNow: number): TickerView | undefined {
  const inst = state.instrument(symbol);
  if (!inst) return undefined;
  const now = state.aggregates.engineNow(wallNow);
  const t = state.aggregates.ticker(symbol);
  const stats = t ? t.stats(now) : { openTime: now - 86_400_000, closeTime: now, open: undefined, high: undefined, low: undefined, last: undefined, volume: 0, quoteVolume: 0n, count: 0 };
  return tickerView(inst, stats, state.books.book(symbol), state.openInterest.get(symbol) ?? null, now);
}

export function stateView(state: MarketState): MarketView {
  return {
    instrument: (s) => state.instrument(s),
    symbols: () => state.symbols(),
    book: (s) => state.books.book(s),
    status: (s) => state.status(s),
    publishedSequence: (s) => state.publishedSequence(s),
    ticker: (s, now) => tickerOf(state, s, now),
    openCandle: (s, interval: Interval) => {
      const inst = state.instrument(s);
      const c = state.aggregates.candle(s, interval);
      return inst && c && !c.closed ? candleView(inst, c) : undefined;
    },
  };
}
