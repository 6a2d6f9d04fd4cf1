// The OpenAPI description of the venue stream control API (src/api/stream-control.ts), merged into
// /v1/openapi.json. Reads are open; changes need `Authorization: Bearer <ADMIN_TOKEN>`.
import { VENUES } from '../venues/adapters/index.js';
import { MAX_DEPTH } from '../venues/stream-spec.js';
import { VENUE_KINDS } from '../venues/venue.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const bearer = [{ adminToken: [] }];
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, example: 'binance.BTC-USDT.book' } };
const depth = { type: 'integer', minimum: 1, maximum: MAX_DEPTH, description: 'book levels per side (book streams only)' };
const changeErrors = {
  '400': error('a body that is not a stream (bad_body)'),
  '401': error('no or a wrong bearer token (unauthorized)'),
  '403': error('a token given, but stream control is off on this instance: no ADMIN_TOKEN (control_disabled)'),
};

export const STREAM_SCHEMAS = {
  StreamRequest: {
    type: 'object',
    required: ['venue', 'symbol', 'kind'],
    additionalProperties: false,
    properties: {
      venue: { type: 'string', enum: Object.keys(VENUES) },
      symbol: { type: 'string', pattern: '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$', example: 'BTC/USDT', description: "ccxt's unified symbol" },
      kind: { type: 'string', enum: VENUE_KINDS },
      depth,
      persist: { type: 'boolean', default: false },
      publish: { type: 'boolean', default: false },
    },
  },
  StreamKnobs: {
    type: 'object',
    additionalProperties: false,
    properties: { depth, persist: { type: 'boolean' }, publish: { type: 'boolean' } },
  },
  Stream: {
    type: 'object',
    required: ['id', 'venue', 'symbol', 'kind', 'venue_symbol', 'state', 'breaker', 'messages', 'reconnects', 'stalls', 'checksum_failures', 'malformed', 'errors', 'last_message_at', 'last_message_age_ms', 'last_error', 'persist', 'publish'],
    properties: {
      id: { type: 'string' },
      venue: { type: 'string' },
      symbol: { type: 'string' },
      kind: { type: 'string', enum: VENUE_KINDS },
      depth,
      persist: { type: 'boolean' },
      publish: { type: 'boolean' },
      venue_symbol: { type: 'string', description: 'the symbol on every market data API, e.g. binance:BTC/USDT' },
      state: { type: 'string', enum: ['connecting', 'connected', 'reconnecting', 'circuit_open', 'stale', 'stopped'] },
      breaker: { type: 'string', enum: ['closed', 'open', 'half_open'] },
      messages: { type: 'integer' },
      reconnects: { type: 'integer' },
      stalls: { type: 'integer' },
      checksum_failures: { type: 'integer' },
      malformed: { type: 'integer' },
      errors: { type: 'integer' },
      last_message_at: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
      last_message_age_ms: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
      last_error: { oneOf: [{ type: 'string' }, { type: 'null' }] },
    },
  },
};

export const STREAM_PATHS = {
  '/v1/streams': {
    get: { summary: 'Outside venue streams (ccxt pro) of this instance and their state', responses: { '200': { description: 'streams', content: json({ type: 'object', required: ['streams'], properties: { streams: { type: 'array', items: ref('Stream') } } }) } } },
    post: {
      summary: 'Start a venue stream (stored: it survives restarts)',
      security: bearer,
      requestBody: { required: true, content: json(ref('StreamRequest')) },
      responses: { '201': { description: 'started', content: json(ref('Stream')) }, ...changeErrors, '409': error('the stream exists (stream_exists)') },
    },
  },
  '/v1/streams/{id}': {
    get: { summary: 'One venue stream', parameters: [idParam], responses: { '200': { description: 'the stream', content: json(ref('Stream')) }, '404': error('no such stream (unknown_stream)') } },
    patch: {
      summary: "Change a stream's knobs (depth, persist, publish)",
      security: bearer,
      parameters: [idParam],
      requestBody: { required: true, content: json(ref('StreamKnobs')) },
      responses: { '200': { description: 'changed', content: json(ref('Stream')) }, ...changeErrors, '404': error('no such stream (unknown_stream)') },
    },
    delete: {
      summary: 'Stop a stream and forget it',
      security: bearer,
      parameters: [idParam],
      responses: { '204': { description: 'stopped' }, ...changeErrors, '404': error('no such stream (unknown_stream)') },
    },
  },
};

export const SECURITY_SCHEMES = { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of the instance' } };
