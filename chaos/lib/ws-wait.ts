// Waiting on a `ws` client socket: opened (or failed to), closed (with its code).
import WebSocket from 'ws';

export const opened = (ws: WebSocket) => new Promise<void>((resolve) => (ws.readyState === WebSocket.OPEN ? resolve() : (ws.once('open', () => resolve()), ws.once('error', () => resolve()))));

export const closed = (ws: WebSocket, timeoutMs = 5000) =>
  new Promise<number | undefined>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(undefined);
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    ws.once('close', (code) => (clearTimeout(t), resolve(code)));
  });
