// Bitfinex: REST /v2/conf/... (pairs and currencies), WebSocket /ws/2 channels `book` (P0, length
// 25 or 100; ccxt sends the conf flag for a CRC-32 of the top 25 levels after each update and
// verifies it itself), `trades`, `ticker`. Prices have 5 significant digits and at most 8 decimals,
// sizes at most 8 decimals: ccxt's precision counts digits, so the decimals give the increments.
import type { VenueAdapter } from '../venue.js';

export const bitfinex: VenueAdapter = {
  id: 'bitfinex',
  ccxtId: 'bitfinex',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: {},
  urls: (base) => ({ api: { v1: base, public: base, private: base, ws: { public: `${base.replace(/^http/, 'ws')}/ws/2`, private: `${base.replace(/^http/, 'ws')}/ws/2` } } }),
  bookLimit: (depth) => (depth <= 25 ? 25 : 100),
  maxDepth: 100,
  decimals: { price: 8, amount: 8 },
  rebuildOnFreshSocket: true,
  // ccxt lists unWatchOrderBook for bitfinex but has none: its generic unsubscribe does the job
  unwatchBook: (ex, symbol) => (ex as unknown as { unSubscribe(channel: string, topic: string, symbol: string): Promise<unknown> }).unSubscribe('book', 'orderbook', symbol),
};
