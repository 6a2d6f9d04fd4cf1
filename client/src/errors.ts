// Every refusal the client can meet, as one error type with the server's code.
import type { WsErrorCode } from '../../src/contract/ws-frames.js';
import type { RestErrorCode } from '../../src/contract/rest-errors.js';

export type { RestErrorCode, WsErrorCode };

/** Codes the client itself raises: no answer in time, the connection closed, a response that is not the contract's. */
export type ClientErrorCode = 'timeout' | 'closed' | 'bad_response';

export type ErrorCode = WsErrorCode | RestErrorCode | ClientErrorCode;

export class MarketDataError extends Error {
  override readonly name = 'MarketDataError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The HTTP status, for REST errors. */
    readonly status?: number,
  ) {
    super(`${code}: ${message}`);
  }
}
