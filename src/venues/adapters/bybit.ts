// Bybit v5 spot: REST /v5/market/instruments-info, WebSocket /v5/public/spot topics
// `orderbook.50.<id>` (snapshot then deltas, update id `u` consecutive), `publicTrade.<id>`,
// `tickers.<id>`; JSON ping/pong. ccxt applies deltas without checking `u`: the verifier does.
import type { VenueAdapter } from '../venue.js';
import { chainVerifier } from '../verifiers.js';

export const bybit: VenueAdapter = {
  id: 'bybit',
  ccxtId: 'bybit',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: { fetchMarkets: { types: ['spot'] } },
  urls: (base) => {
    const ws = `${base.replace(/^http/, 'ws')}/v5/public`;
    return { api: { spot: base, futures: base, v2: base, public: base, private: base, ws: { public: { spot: `${ws}/spot`, linear: `${ws}/linear`, inverse: `${ws}/inverse`, option: `${ws}/option` } } } };
  },
  verifier: () =>
    chainVerifier((m) => {
      const msg = m as { topic?: string; type?: string; data?: { s?: string; u?: number } };
      if (!msg.topic?.startsWith('orderbook.') || typeof msg.data?.u !== 'number') return undefined;
      return { marketId: msg.data.s ?? '', snapshot: msg.type === 'snapshot', id: msg.data.u, prev: msg.type === 'snapshot' ? undefined : msg.data.u - 1 };
    }),
};
