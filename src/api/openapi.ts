// The OpenAPI 3.1 description of REST v1, served at /v1/openapi.json.
const symbol = { name: 'symbol', in: 'query', required: true, schema: { type: 'string', example: 'BTCUSDT-PERP' } };
const decimal = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'exact decimal as a string' };
const level = { type: 'array', prefixItems: [decimal, decimal], description: '[price, size]' };
const error = { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } };
const errors = {
  '400': { description: 'bad parameter', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '404': { description: 'unknown symbol', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
};
const ok = (description: string, schema: object) => ({ '200': { description, content: { 'application/json': { schema } } }, ...errors });
const obj = (properties: Record<string, object>) => ({ type: 'object', properties });

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Market data REST API', version: '1.0.0', description: 'Prices and sizes are decimal strings in the instrument increments. Times are epoch milliseconds (UTC).' },
  paths: {
    '/v1/symbols': { get: { summary: 'Instruments and their status', responses: ok('instruments', obj({ symbols: { type: 'array', items: { type: 'object' } } })) } },
    '/v1/depth': {
      get: {
        summary: 'Order book (top `depth` levels per side), with seq and the top-25 checksum',
        parameters: [symbol, { name: 'depth', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000, default: 100 } }],
        responses: ok('book', obj({ symbol: { type: 'string' }, seq: { type: 'integer' }, status: { enum: ['in_sync', 'resyncing', 'halted'] }, bids: { type: 'array', items: level }, asks: { type: 'array', items: level }, checksum: { type: 'integer' } })),
      },
    },
    '/v1/trades': {
      get: {
        summary: 'Recent trades, oldest first',
        parameters: [symbol, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
        responses: ok('trades', obj({ symbol: { type: 'string' }, trades: { type: 'array', items: obj({ id: { type: 'string' }, price: decimal, qty: decimal, side: { enum: ['buy', 'sell'] }, ts: { type: 'integer' }, seq: { type: 'integer' } }) } })),
      },
    },
    '/v1/ticker/24h': {
      get: {
        summary: 'Rolling 24h ticker of one symbol, or of every symbol without `symbol`',
        parameters: [{ ...symbol, required: false }],
        responses: ok('ticker', { type: 'object' }),
      },
    },
    '/v1/klines': {
      get: {
        summary: 'Candles, oldest first: closed ones from storage, then the one in progress',
        parameters: [
          symbol,
          { name: 'interval', in: 'query', required: true, schema: { enum: ['1m', '5m', '15m', '1h', '4h', '1d'] } },
          { name: 'start', in: 'query', schema: { type: 'integer' }, description: 'open time from (ms); without it, the latest `limit`' },
          { name: 'end', in: 'query', schema: { type: 'integer' }, description: 'open time up to (ms)' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } },
        ],
        responses: ok('klines', obj({ symbol: { type: 'string' }, interval: { type: 'string' }, klines: { type: 'array', items: { type: 'object' } } })),
      },
    },
    '/v1/mark': { get: { summary: 'Mark price of a perpetual', parameters: [symbol], responses: { ...ok('mark', { type: 'object' }), '503': { description: 'pricing off or not computed yet' } } } },
    '/v1/index': { get: { summary: 'Index price behind a perpetual', parameters: [symbol], responses: { ...ok('index', { type: 'object' }), '503': { description: 'pricing off or not computed yet' } } } },
    '/v1/funding': { get: { summary: 'Funding rate and next funding time of a perpetual', parameters: [symbol], responses: { ...ok('funding', { type: 'object' }), '503': { description: 'pricing off or not computed yet' } } } },
    '/v1/stream/{channel}/{symbol}': {
      get: {
        summary: 'Server-sent events: the WebSocket payloads of one stream, at most one message per throttle interval (conflated)',
        parameters: [
          { name: 'channel', in: 'path', required: true, schema: { type: 'string', example: 'book' } },
          { name: 'symbol', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'throttle', in: 'query', schema: { type: 'string', example: '100ms', default: '100ms' } },
          { name: 'prec', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'text/event-stream' }, ...errors },
      },
    },
  },
  components: { schemas: { Error: error } },
};
