// Kraken spot, WebSocket v2 (wss://ws.kraken.com/v2): channels `book` (a snapshot, then updates
// with no sequence number, each with the CRC-32 of the top 10 levels; depths 10, 25, 100, 500,
// 1000), `trade`, `ticker`; {"method":"ping"} keepalive. REST /0/public/AssetPairs and Assets for
// the markets. ccxt keeps Kraken's checksum off: the verifier checks it.
import { decimalOf, marketIncrements, productOf } from '../exact.js';
import type { VenueAdapter } from '../venue.js';
import { krakenChecksumVerifier } from '../verifiers.js';

const DEPTHS = [10, 25, 100, 500, 1000];

export const kraken: VenueAdapter = {
  id: 'kraken',
  ccxtId: 'kraken',
  kinds: ['book', 'trades', 'ticker'],
  intervalMs: { book: 1000, trades: 30_000, ticker: 2000 },
  options: {},
  urls: (base) => ({ api: { public: base, private: base, ws: { publicV2: `${base.replace(/^http/, 'ws')}/v2` } } }),
  // the next depth above the stream's: ccxt caps both sides of a Kraken book at the number of asks
  // in its snapshot, so a margin keeps a thin ask side from cutting the published depth
  bookLimit: (depth) => DEPTHS.find((d) => d > depth) ?? 1000,
  // ccxt makes the quote volume Precise.stringMul(volume, vwap), then a float: the product is kept exact
  tickerExact: (info) => {
    const { volume, vwap } = (info ?? {}) as { volume?: unknown; vwap?: unknown };
    if (typeof volume !== 'number' || typeof vwap !== 'number') return {};
    return { quoteVolume: productOf(decimalOf(volume), decimalOf(vwap)) };
  },
  verifier: (ex) => {
    const known = new Map<string, ReturnType<typeof marketIncrements> | undefined>();
    return krakenChecksumVerifier((symbol) => {
      if (!known.has(symbol)) {
        try {
          known.set(symbol, marketIncrements(ex as Parameters<typeof marketIncrements>[0], symbol));
        } catch {
          known.set(symbol, undefined);
        }
      }
      return known.get(symbol);
    });
  },
};
