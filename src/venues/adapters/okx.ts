// OKX: REST api/v5, WebSocket /ws/v5/public channels `books` (seqId/prevSeqId chain, CRC-32 per
// message), `trades`, `tickers`; text "ping"/"pong" keepalive. ccxt appends `/public`. ccxt checks
// the seqId chain but not the checksum: the verifier does.
import type { VenueAdapter } from '../venue.js';
import { okxChecksumVerifier } from '../verifiers.js';

export const okx: VenueAdapter = {
  id: 'okx',
  ccxtId: 'okx',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false },
  urls: (base) => ({ api: { rest: base, ws: `${base.replace(/^http/, 'ws')}/ws/v5` } }),
  verifier: okxChecksumVerifier,
};
