// The transport the client needs: the platform's WebSocket (browsers, Node 22+), or any
// constructor with the same shape (the `ws` package on Node 20, a fake in tests).

/** A handler slot that also accepts handlers of richer event types (the `ws` package's, the DOM's). */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'];

export interface SocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

export const OPEN = 1;

export function platformWebSocket(): SocketConstructor {
  const ws = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (!ws) throw new Error('no WebSocket on this platform (Node.js 20: pass options.WebSocket, e.g. the ws package)');
  return ws;
}

export interface Backoff {
  /** First retry delay (ms). */
  initialMs: number;
  /** Ceiling of the delay (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential up to the ceiling, with
 * "equal jitter" (half fixed, half random) so that clients of a restarted server spread out.
 */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
