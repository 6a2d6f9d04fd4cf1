// One small mapper per exchange: which ccxt public endpoint gives a spot price, and where the
// exact decimal string sits in the exchange's own response. ccxt's unified fetchTicker would
// hand back floats (and needs loadMarkets); the raw implicit endpoints keep the exchange's
// strings, so no float ever touches a price.
import type { Exchange } from 'ccxt';
import { ccxtExchangeClass } from '../runtime/ccxt-modules.js';

export type SourceId = 'binance' | 'coinbase' | 'kraken' | 'okx';

export interface SourceMapper {
  id: SourceId;
  ccxtId: 'binance' | 'coinbaseexchange' | 'kraken' | 'okx';
  /** The last trade price of base/quote, exactly as the exchange wrote it. */
  lastPrice(ex: Exchange, base: string, quote: string): Promise<string>;
}

type Raw = Record<string, unknown>;
const call = (ex: Exchange, method: string, params: Raw): Promise<Raw> => (ex as unknown as Record<string, (p: Raw) => Promise<Raw>>)[method]!(params);

const KRAKEN_ASSET: Record<string, string> = { BTC: 'XBT', DOGE: 'XDG' };

export const MAPPERS: Record<SourceId, SourceMapper> = {
  binance: {
    id: 'binance',
    ccxtId: 'binance',
    lastPrice: async (ex, base, quote) => String((await call(ex, 'publicGetTickerPrice', { symbol: `${base}${quote}` })).price),
  },
  coinbase: {
    id: 'coinbase',
    ccxtId: 'coinbaseexchange',
    lastPrice: async (ex, base, quote) => String((await call(ex, 'publicGetProductsIdTicker', { id: `${base}-${quote}` })).price),
  },
  kraken: {
    id: 'kraken',
    ccxtId: 'kraken',
    lastPrice: async (ex, base, quote) => {
      const r = await call(ex, 'publicGetTicker', { pair: `${KRAKEN_ASSET[base] ?? base}${quote}` });
      if (Array.isArray(r.error) && r.error.length) throw new Error(String(r.error[0]));
      const first = Object.values((r.result ?? {}) as Record<string, { c?: string[] }>)[0];
      return String(first?.c?.[0]);
    },
  },
  okx: {
    id: 'okx',
    ccxtId: 'okx',
    lastPrice: async (ex, base, quote) => {
      const r = await call(ex, 'publicGetMarketTicker', { instId: `${base}-${quote}` });
      if (r.code !== '0') throw new Error(`okx ${String(r.code)}: ${String(r.msg)}`);
      return String((r.data as { last?: string }[])[0]?.last);
    },
  },
};

/**
 * A ccxt exchange instance; with `baseUrl` every API host of the exchange is replaced by
 * `${baseUrl}/${ccxtId}` (the local stand-ins of src/sim/exchanges.ts, or a proxy).
 */
export async function createExchange(mapper: SourceMapper, timeoutMs: number, baseUrl?: string): Promise<Exchange> {
  const Ctor = await ccxtExchangeClass(mapper.ccxtId, false);
  // ccxt's client-side rate limit protects the real exchanges; local stand-ins have none.
  const ex = new Ctor({ enableRateLimit: !baseUrl, timeout: timeoutMs });
  if (baseUrl) {
    const rewrite = (v: unknown): unknown =>
      typeof v === 'string' ? v.replace(/^https?:\/\/[^/]+/, `${baseUrl}/${mapper.ccxtId}`) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)])) : v;
    (ex as unknown as { urls: { api: unknown } }).urls.api = rewrite(ex.urls.api);
  }
  return ex;
}
