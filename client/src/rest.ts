// A typed client for every REST /v1 endpoint. Its types come from the OpenAPI document
// (generated/rest-types.ts, generated at build time): a change to the contract changes them.
import type { RestError } from '../../src/contract/rest-errors.js';
import { MarketDataError } from './errors.js';
import type { components, paths } from './generated/rest-types.js';

export type Schemas = components['schemas'];
export type Instrument = Schemas['Instrument'];
export type Depth = Schemas['Depth'];
export type Trade = Schemas['Trade'];
export type Ticker = Schemas['Ticker'];
export type Candle = Schemas['Candle'];
export type Mark = Schemas['Mark'];
export type Index = Schemas['Index'];
export type Funding = Schemas['Funding'];
export type Liquidation = Schemas['Liquidation'];

/** The JSON GET paths (the SSE stream is read with an EventSource). */
export type RestPath = Exclude<keyof paths, '/v1/stream/{channel}/{symbol}'>;
type Op<P extends RestPath> = paths[P]['get'];
export type RestQuery<P extends RestPath> = Op<P>['parameters'] extends { query?: infer Q } ? ([Q] extends [never | undefined] ? Record<string, never> : NonNullable<Q>) : never;
export type RestResponse<P extends RestPath> = Op<P>['responses'] extends { 200: { content: { 'application/json': infer R } } } ? R : never;

export interface RestOptions {
  fetch?: typeof fetch;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

export class RestClient {
  private readonly fetch: typeof fetch;

  constructor(
    readonly baseUrl: string,
    private readonly opts: RestOptions = {},
  ) {
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** GET `path` with `query`; rejects with a MarketDataError carrying the server's error code. */
  async get<P extends RestPath>(path: P, query?: RestQuery<P>): Promise<RestResponse<P>> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) if (v !== undefined) qs.set(k, String(v));
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}${qs.size ? `?${qs}` : ''}`;
    let res: Response;
    try {
      res = await this.fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError';
      throw new MarketDataError(timedOut ? 'timeout' : 'closed', `${path}: ${(err as Error)?.message ?? err}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MarketDataError('bad_response', `${path} answered ${res.status} with a body that is not JSON`, res.status);
    }
    if (!res.ok) {
      const e = body as Partial<RestError>;
      if (typeof e?.error !== 'string') throw new MarketDataError('bad_response', `${path} answered ${res.status} without an error code`, res.status);
      throw new MarketDataError(e.error, e.message ?? '', res.status);
    }
    return body as RestResponse<P>;
  }

  symbols = () => this.get('/v1/symbols');
  depth = (symbol: string, depth?: number) => this.get('/v1/depth', { symbol, depth });
  trades = (symbol: string, limit?: number) => this.get('/v1/trades', { symbol, limit });
  ticker = async (symbol: string): Promise<Ticker> => (await this.get('/v1/ticker/24h', { symbol })) as Ticker;
  tickers = async (): Promise<Ticker[]> => ((await this.get('/v1/ticker/24h')) as { tickers: Ticker[] }).tickers;
  klines = (query: RestQuery<'/v1/klines'>) => this.get('/v1/klines', query);
  mark = (symbol: string) => this.get('/v1/mark', { symbol });
  index = (symbol: string) => this.get('/v1/index', { symbol });
  funding = (symbol: string) => this.get('/v1/funding', { symbol });
  liquidations = (symbol: string, limit?: number) => this.get('/v1/liquidations', { symbol, limit });
}
