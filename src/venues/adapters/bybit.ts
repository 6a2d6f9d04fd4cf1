// Bybit v5, spot and USDT linear perpetuals (ccxt symbols BASE/QUOTE and BASE/QUOTE:QUOTE): REST
// /v5/market/instruments-info, WebSocket /v5/public/spot and /v5/public/linear, topics
// `orderbook.50.<id>` (snapshot then deltas, update id `u` consecutive), `publicTrade.<id>`,
// `tickers.<id>` (linear: a snapshot, then deltas of the fields that changed, which ccxt merges;
// they carry mark and index price, funding rate and next funding time: the funding kind, read from
// the raw fields), `allLiquidation.<id>` (linear); JSON ping/pong. ccxt applies book deltas
// without checking `u`: the verifier does. A spot and a linear market share an id (BTCUSDT):
// the socket's path tells them apart.
import type { VenueAdapter } from '../venue.js';
import { chainVerifier } from '../verifiers.js';

/** A linear ticker's fields as Bybit sends them (merged over its deltas by ccxt). */
interface LinearTicker {
  markPrice?: string;
  indexPrice?: string;
  fundingRate?: string;
  nextFundingTime?: string;
}

/** An `allLiquidation` entry as Bybit sends it: the liquidated position's side (Buy: a long), size, bankruptcy price, time. */
interface Liquidation {
  S?: string;
  v?: string;
  p?: string;
  T?: number;
}

export const bybit: VenueAdapter = {
  id: 'bybit',
  ccxtId: 'bybit',
  kinds: ['book', 'trades', 'ticker', 'funding', 'liquidations'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000, funding: 2000, liquidations: 600_000 },
  options: { fetchMarkets: { types: ['spot', 'linear'] }, watchLiquidations: { method: 'allLiquidation' } },
  urls: (base) => {
    const ws = `${base.replace(/^http/, 'ws')}/v5/public`;
    return { api: { spot: base, futures: base, v2: base, public: base, private: base, ws: { public: { spot: `${ws}/spot`, linear: `${ws}/linear`, inverse: `${ws}/inverse`, option: `${ws}/option` } } } };
  },
  // a perpetual's funding is read from its tickers topic: removing its ticker stream must not end it
  subscriptionOf: (kind) => (kind === 'funding' ? 'ticker' : kind),
  verifier: () =>
    chainVerifier((m, url) => {
      const msg = m as { topic?: string; type?: string; data?: { s?: string; u?: number } };
      if (!msg.topic?.startsWith('orderbook.') || typeof msg.data?.u !== 'number') return undefined;
      const marketType = url?.includes('/spot') ? 'spot' : 'contract';
      return { marketId: msg.data.s ?? '', marketType, snapshot: msg.type === 'snapshot', id: msg.data.u, prev: msg.type === 'snapshot' ? undefined : msg.data.u - 1 };
    }),
  funding: {
    // Bybit USDT perpetuals: every 8 hours, interest 0.03 % a day (0.01 % per interval), as documented
    fundingIntervalHours: 8,
    interestRate: '0.0001',
    async watch(ex, symbol) {
      const t = await (ex as unknown as { watchTicker(s: string): Promise<{ info?: LinearTicker; timestamp?: number }> }).watchTicker(symbol);
      const i = t.info ?? {};
      return { markPrice: i.markPrice!, indexPrice: i.indexPrice!, fundingRate: i.fundingRate!, nextFundingTime: Number(i.nextFundingTime), timestamp: t.timestamp! };
    },
  },
  liquidations: {
    async watch(ex, symbol) {
      const list = await (ex as unknown as { watchLiquidations(s: string): Promise<{ info?: Liquidation }[]> }).watchLiquidations(symbol);
      // the order that closes a long sells: the side served is the liquidation order's, as Binance's
      return list.map(({ info: o = {} }) => ({ side: o.S === 'Buy' ? 'sell' : o.S === 'Sell' ? 'buy' : (String(o.S) as 'buy'), price: o.p!, avgPrice: undefined, quantity: o.v!, timestamp: o.T! }));
    },
  },
};
