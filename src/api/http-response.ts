import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';

/** uWS needs the full status line; this builds it from the code. */
export const statusLine = (code: number): string => `${code} ${STATUS_CODES[code] ?? ''}`.trim();

/**
 * Responds once, if the client is still there. uWS forbids touching a response after it was
 * aborted, so async handlers go through respondLater, which tracks that.
 */
export function send(res: HttpResponse, code: number, body: string, contentType = 'application/json'): void {
  res.cork(() => {
    res.writeStatus(statusLine(code)).writeHeader('content-type', contentType).writeHeader('cache-control', 'no-store').end(body);
  });
}

export const sendJson = (res: HttpResponse, code: number, body: unknown): void => send(res, code, JSON.stringify(body));

export interface Reply {
  code: number;
  body: string;
  contentType?: string;
}

/** Runs an async handler; a rejected handler becomes a 500 with a JSON error, an aborted request is ignored. */
export function respondLater(res: HttpResponse, handler: () => Promise<Reply>): void {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  handler()
    .catch((err: unknown): Reply => ({ code: 500, body: JSON.stringify({ error: 'internal', message: String((err as Error)?.message ?? err) }) }))
    .then((r) => {
      if (!aborted) send(res, r.code, r.body, r.contentType);
    });
}
