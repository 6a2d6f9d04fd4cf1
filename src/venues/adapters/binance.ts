// Binance spot: REST api/v3, WebSocket streams `<symbol>@depth@100ms` (diffs chained by U/u over a
// REST snapshot), `@trade`, `@ticker`. ccxt appends `/<n>` to the WebSocket URL.
import type { VenueAdapter } from '../venue.js';

export const binance: VenueAdapter = {
  id: 'binance',
  ccxtId: 'binance',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false },
  urls: (base) => ({ api: { public: `${base}/api/v3`, ws: { spot: `${base.replace(/^http/, 'ws')}/ws` } } }),
};
