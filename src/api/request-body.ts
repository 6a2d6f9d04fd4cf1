// Reads a uWS request body (JSON), bounded: uWS hands it over in chunks through onData, which
// must be registered before the handler returns.
import type { HttpResponse } from 'uWebSockets.js';

export class BodyError extends Error {}

export function readJsonBody(res: HttpResponse, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, last) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new BodyError(`the body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!last) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError('the body is not JSON'));
      }
    });
  });
}
