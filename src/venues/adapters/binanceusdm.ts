// Binance USDⓈ-M futures (linear perpetuals, ccxt symbols BASE/QUOTE:QUOTE): REST fapi/v1,
// WebSocket streams `<symbol>@depth@100ms` (diffs chained by `pu`, the previous update's u, over
// a REST snapshot; ccxt checks the chain), `@trade`, `@ticker`, and `@markPrice@1s` (mark and
// index price, funding rate and next funding time, read from the raw event: its strings are the
// venue's exact decimals), `@forceOrder` (liquidation orders, likewise from the raw event; Binance
// sends at most one a second per symbol). ccxt moves the WebSocket path from /ws to /public/ws or /market/ws and
// appends `/<n>`.
import type { VenueAdapter } from '../venue.js';

/** The order of a `forceOrder` event as Binance sends it. */
interface ForceOrder {
  S?: string;
  p?: string;
  ap?: string;
  z?: string;
  T?: number;
}

/** A `markPriceUpdate` event as Binance sends it. */
interface MarkPriceUpdate {
  E?: number;
  p?: string;
  i?: string;
  r?: string;
  T?: number;
}

export const binanceusdm: VenueAdapter = {
  id: 'binanceusdm',
  ccxtId: 'binanceusdm',
  kinds: ['book', 'trades', 'ticker', 'funding', 'liquidations'],
  // liquidations come when the market moves hard: ten quiet minutes are normal
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000, funding: 1000, liquidations: 600_000 },
  options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false },
  urls: (base) => ({
    api: { fapiPublic: `${base}/fapi/v1`, fapiPublicV2: `${base}/fapi/v2`, fapiPublicV3: `${base}/fapi/v3`, fapiData: `${base}/futures/data`, ws: { future: `${base.replace(/^http/, 'ws')}/ws` } },
  }),
  funding: {
    // Binance: every 8 hours, at an interest rate of 0.01 % per interval (its documented defaults)
    fundingIntervalHours: 8,
    interestRate: '0.0001',
    async watch(ex, symbol) {
      const t = (await (ex as unknown as { watchMarkPrice(s: string): Promise<{ info?: MarkPriceUpdate }> }).watchMarkPrice(symbol)).info ?? {};
      return { markPrice: t.p!, indexPrice: t.i!, fundingRate: t.r!, nextFundingTime: t.T!, timestamp: t.E! };
    },
    unwatch: (ex, symbol) => (ex as unknown as { unWatchMarkPrice(s: string): Promise<unknown> }).unWatchMarkPrice(symbol),
  },
  liquidations: {
    async watch(ex, symbol) {
      const list = await (ex as unknown as { watchLiquidations(s: string): Promise<{ info?: ForceOrder }[]> }).watchLiquidations(symbol);
      return list.map(({ info: o = {} }) => ({ side: o.S === 'BUY' ? 'buy' : o.S === 'SELL' ? 'sell' : (String(o.S) as 'buy'), price: o.p!, avgPrice: o.ap!, quantity: o.z!, timestamp: o.T! }));
    },
  },
};
