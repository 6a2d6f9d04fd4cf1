// The OpenAPI 3.1 description of REST v1, served at /v1/openapi.json. Its parameter schemas state
// exactly what the server accepts (a schema-valid request is never refused with 400), and the
// client library's REST types are generated from it at build time (client/gen-rest-types.mjs).
import { REST_ERROR_CODES } from '../contract/rest-errors.js';
import { BOOK_STATUSES } from '../contract/ws-frames.js';
import { INTERVAL_NAMES } from '../domain/candle.js';
import { CHANNELS } from './channels.js';
import { SECURITY_SCHEMES, STREAM_PATHS, STREAM_SCHEMAS } from './openapi-streams.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });
const decimal = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'exact decimal as a string' };
const ms = { type: 'integer', description: 'epoch milliseconds (UTC)' };
const bookStatus = { type: 'string', enum: BOOK_STATUSES };
/** Times the server accepts: 0 .. 8.64e15 ms (the range of a JavaScript date). */
const time = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 };
const obj = (properties: Record<string, object>, required = Object.keys(properties)) => ({ type: 'object', required, properties });

const symbolParam = { name: 'symbol', in: 'query', required: true, schema: { type: 'string', minLength: 1, example: 'BTCUSDT-PERP' } };
const json = (schema: object) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const errors = { '400': errorResponse('a bad or missing parameter'), '404': errorResponse('unknown symbol') };
const ok = (description: string, schema: object, extra: Record<string, object> = {}) => ({ '200': { description, content: json(schema) }, ...errors, ...extra });
const pricingUnavailable = { '503': errorResponse('pricing is off on this instance (pricing_disabled) or not computed yet (not_ready)') };
const get = (summary: string, parameters: object[], responses: object) => ({ get: { summary, parameters, responses } });

const schemas = {
  Error: obj({ error: { type: 'string', enum: REST_ERROR_CODES }, message: { type: 'string' } }),
  Level: { type: 'array', prefixItems: [decimal, decimal], minItems: 2, maxItems: 2, description: '[price, size]' },
  Instrument: obj({
    symbol: { type: 'string' },
    base: { type: 'string' },
    quote: { type: 'string' },
    kind: { type: 'string', enum: ['spot', 'perpetual'] },
    status: { type: 'string' },
    book_status: bookStatus,
    tick_size: decimal,
    lot_size: decimal,
    perpetual: nullable(obj({ index_symbol: { type: 'string' }, funding_interval_hours: { type: 'integer' }, interest_rate: decimal })),
  }),
  Depth: obj({
    symbol: { type: 'string' },
    seq: { type: 'integer' },
    status: bookStatus,
    bids: { type: 'array', items: ref('Level') },
    asks: { type: 'array', items: ref('Level') },
    checksum: { type: 'integer', description: 'CRC-32 of the top 25 levels (docs/API.md, "Checksum")' },
    ts: ms,
  }),
  Trade: obj({ id: { type: 'string' }, price: decimal, qty: decimal, side: { type: 'string', enum: ['buy', 'sell'] }, ts: ms, seq: { type: 'integer' } }),
  Liquidation: obj({ side: { type: 'string', enum: ['buy', 'sell'], description: "the liquidation order's side: sell closes a long" }, price: decimal, avg_price: { ...nullable(decimal), description: 'the average fill price, as the venue sent it; null where the venue sends none (bybit)' }, qty: decimal, ts: ms, seq: { type: 'integer' } }),
  Ticker: obj({
    symbol: { type: 'string' },
    timestamp: ms,
    open_time: ms,
    close_time: ms,
    open: nullable(decimal),
    high: nullable(decimal),
    low: nullable(decimal),
    last: nullable(decimal),
    price_change: nullable(decimal),
    price_change_percent: nullable(decimal),
    volume: decimal,
    quote_volume: decimal,
    trade_count: { type: 'integer' },
    best_bid: nullable(decimal),
    best_bid_qty: nullable(decimal),
    best_ask: nullable(decimal),
    best_ask_qty: nullable(decimal),
    open_interest: nullable(decimal),
  }),
  Candle: obj({
    symbol: { type: 'string' },
    interval: { type: 'string', enum: INTERVAL_NAMES },
    open_time: ms,
    close_time: ms,
    open: decimal,
    high: decimal,
    low: decimal,
    close: decimal,
    volume: decimal,
    quote_volume: decimal,
    trade_count: { type: 'integer' },
    closed: { type: 'boolean' },
  }),
  Mark: obj({ symbol: { type: 'string' }, index_symbol: { type: 'string' }, mark_price: nullable(decimal), index_price: nullable(decimal), premium_ema: nullable(decimal), stale: { type: 'boolean' }, timestamp: ms }),
  Index: obj({
    index_symbol: { type: 'string' },
    price: nullable(decimal),
    stale: { type: 'boolean' },
    timestamp: ms,
    sources_used: { type: 'array', items: { type: 'string' } },
    sources_excluded: { type: 'array', items: obj({ source: { type: 'string' }, reason: { type: 'string' } }) },
  }),
  Funding: obj({ symbol: { type: 'string' }, funding_rate: decimal, premium_rate_avg: nullable(decimal), interest_rate: decimal, next_funding_time: ms, countdown_seconds: { type: 'integer' }, timestamp: ms }),
};

/** Throttle of the SSE stream: 10 ms to 60 s, as "<n>ms" or "<n>s". */
export const THROTTLE_PATTERN = '^(?:(?:[1-9]\\d{1,3}|[1-5]\\d{4}|60000)ms|(?:[1-9]|[1-5]\\d|60)s)$';
/** A book price grouping: a positive decimal (the server also wants a multiple of the tick: 400 bad_prec otherwise). */
export const PREC_PATTERN = '^(?:[1-9]\\d{0,15}(?:\\.\\d{1,18})?|0\\.(?=\\d{0,17}[1-9])\\d{1,18})$';

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Market data REST API',
    version: '1.1.0',
    description:
      'Prices and sizes are decimal strings in the instrument increments. Times are epoch milliseconds (UTC). Market data paths answer GET; other methods (known or not) get 405 with `Allow`. Symbols of outside venues are `venue:BASE/QUOTE` (e.g. `binance:BTC/USDT`), served like the exchange symbols. Stream control (/v1/streams) changes need the bearer token of the instance. A TypeScript client: client/ (docs/API.md).',
  },
  paths: {
    '/v1/symbols': get('Instruments and their status', [], { '200': { description: 'instruments', content: json(obj({ symbols: { type: 'array', items: ref('Instrument') } })) } }),
    '/v1/depth': get(
      'Order book (top `depth` levels per side), with seq and the top-25 checksum',
      [symbolParam, { name: 'depth', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000, default: 100 } }],
      ok('book', ref('Depth')),
    ),
    '/v1/trades': get(
      'Recent trades, oldest first',
      [symbolParam, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
      ok('trades', obj({ symbol: { type: 'string' }, trades: { type: 'array', items: ref('Trade') } })),
    ),
    '/v1/liquidations': get(
      'Recent forced liquidations of a venue perpetual with a liquidations stream, oldest first (404 not_a_perpetual for a spot symbol)',
      [symbolParam, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
      ok('liquidations', obj({ symbol: { type: 'string' }, liquidations: { type: 'array', items: ref('Liquidation') } })),
    ),
    '/v1/ticker/24h': get(
      'Rolling 24h ticker of one symbol, or of every symbol without `symbol`',
      [{ ...symbolParam, required: false }],
      ok('one ticker (with `symbol`) or all of them', { oneOf: [ref('Ticker'), obj({ tickers: { type: 'array', items: ref('Ticker') } })] }),
    ),
    '/v1/klines': get(
      'Candles, oldest first: closed ones from storage, then the one in progress',
      [
        symbolParam,
        { name: 'interval', in: 'query', required: true, schema: { type: 'string', enum: INTERVAL_NAMES } },
        { name: 'start', in: 'query', schema: time, description: 'open time from (ms); without it, the latest `limit`; after `end`, the range is empty' },
        { name: 'end', in: 'query', schema: time, description: 'open time up to (ms)' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } },
      ],
      ok('klines', obj({ symbol: { type: 'string' }, interval: { type: 'string', enum: INTERVAL_NAMES }, klines: { type: 'array', items: ref('Candle') } })),
    ),
    '/v1/mark': get('Mark price of a perpetual', [symbolParam], ok('mark', ref('Mark'), pricingUnavailable)),
    '/v1/index': get('Index price behind a perpetual', [symbolParam], ok('index', ref('Index'), pricingUnavailable)),
    '/v1/funding': get('Funding rate and next funding time of a perpetual', [symbolParam], ok('funding', ref('Funding'), pricingUnavailable)),
    '/v1/stream/{channel}/{symbol}': get(
      'Server-sent events: the WebSocket payloads of one stream, at most one message per throttle interval (conflated)',
      [
        { name: 'channel', in: 'path', required: true, schema: { type: 'string', enum: CHANNELS, example: 'book' } },
        { name: 'symbol', in: 'path', required: true, schema: { type: 'string', minLength: 1 } },
        { name: 'throttle', in: 'query', schema: { type: 'string', pattern: THROTTLE_PATTERN, example: '100ms', default: '100ms' } },
        { name: 'prec', in: 'query', schema: { type: 'string', pattern: PREC_PATTERN }, description: 'book price grouping, a positive multiple of the tick' },
      ],
      { '200': { description: 'an event stream; each event is one WebSocket frame (docs/API.md)', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
    ),
    '/v1/openapi.json': get('This document', [], { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } }),
    ...STREAM_PATHS,
  },
  components: { schemas: { ...schemas, ...STREAM_SCHEMAS }, securitySchemes: SECURITY_SCHEMES },
};
