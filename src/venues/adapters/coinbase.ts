// Coinbase Advanced Trade: REST /api/v3/brokerage/market/products (and /v2 currencies), WebSocket
// channels `level2` (a snapshot of the whole book, then level updates), `market_trades`, `ticker`.
// Every message carries the connection's `sequence_num`, which ccxt ignores: the verifier checks
// it, and a lost message (of any channel) has every book of the connection rebuilt.
import type { VenueAdapter } from '../venue.js';
import { connectionSequenceVerifier } from '../verifiers.js';

export const coinbase: VenueAdapter = {
  id: 'coinbase',
  ccxtId: 'coinbase',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: {},
  // the ticker has the last price and the 24h percentage: ccxt derives open and change from them
  tickerDerived: ['open', 'change'],
  urls: (base) => ({ api: { rest: base, ws: `${base.replace(/^http/, 'ws')}/ws` } }),
  verifier: () =>
    connectionSequenceVerifier((m) => {
      const n = (m as { sequence_num?: unknown } | undefined)?.sequence_num;
      return typeof n === 'number' ? n : undefined;
    }),
};
