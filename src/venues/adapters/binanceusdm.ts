// Binance USDⓈ-M futures (linear perpetuals, ccxt symbols BASE/QUOTE:QUOTE): REST fapi/v1,
// WebSocket streams `<symbol>@depth@100ms` (diffs chained by `pu`, the previous update's u, over
// a REST snapshot; ccxt checks the chain), `@trade`, `@ticker`. ccxt moves the WebSocket path
// from /ws to /public/ws or /market/ws and appends `/<n>`.
import type { VenueAdapter } from '../venue.js';

export const binanceusdm: VenueAdapter = {
  id: 'binanceusdm',
  ccxtId: 'binanceusdm',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false },
  urls: (base) => ({
    api: { fapiPublic: `${base}/fapi/v1`, fapiPublicV2: `${base}/fapi/v2`, fapiPublicV3: `${base}/fapi/v3`, fapiData: `${base}/futures/data`, ws: { future: `${base.replace(/^http/, 'ws')}/ws` } },
  }),
};
