// The error codes of REST /v1 (and SSE) answers, `{"error": code, "message": text}`: the server
// raises only these, the client library rejects with them, the OpenAPI document lists them.
export const REST_ERROR_CODES = [
  'missing_parameter',
  'bad_parameter',
  'unknown_symbol',
  'unknown_channel',
  'bad_prec',
  'not_a_perpetual',
  'pricing_disabled',
  'not_ready',
  'not_found',
  'method_not_allowed',
  'too_many_streams',
  'bad_body',
  'unauthorized',
  'control_disabled',
  'unknown_stream',
  'stream_exists',
  'internal',
] as const;

export type RestErrorCode = (typeof REST_ERROR_CODES)[number];

export interface RestError {
  error: RestErrorCode;
  message: string;
}
