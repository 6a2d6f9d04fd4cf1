// One ccxt pro instance per venue, shared by that venue's streams, created on the first and
// closed and dropped with the last (a retained instance keeps its sockets, caches and timers).
import type { Exchange } from 'ccxt';
import { ccxtErrors, ccxtExchangeClass } from '../runtime/ccxt-modules.js';
import type { VenueAdapter, VenueKind } from './venue.js';

interface Entry {
  ex: Exchange;
  users: number;
}

export class VenueClients {
  private readonly entries = new Map<string, Entry>();
  /** Streams per venue subscription (venue, symbol and what the adapter says the kind rides on). */
  private readonly subscriptions = new Map<string, number>();

  /**
   * @param baseUrl every venue's endpoints under `${baseUrl}/<venue>` (the local stand-ins); undefined for the real venues.
   * @param malformed told of every frame that is not JSON (ccxt would log it to stdout and hand the raw text on).
   */
  constructor(
    private readonly baseUrl: string | undefined,
    private readonly malformed: (venue: string, frame: string) => void = () => undefined,
    /** Told when a venue book fails a check of the adapter's verifier (the message is dropped); symbol undefined: every book of the venue. */
    private readonly failedCheck: (venue: string, symbol: string | undefined, problem: string) => void = () => undefined,
    /** Told of every frame received (before ccxt takes it). */
    private readonly frame: (venue: string) => void = () => undefined,
  ) {}

  /** The venue's instance, markets loaded; counted until release(). */
  async acquire(adapter: VenueAdapter): Promise<Exchange> {
    const Pro = await ccxtExchangeClass(adapter.ccxtId, true); // before the lookup: nothing awaits between it and the entry's creation
    let e = this.entries.get(adapter.id);
    if (!e) {
      const ex = new Pro({
        enableRateLimit: !this.baseUrl,
        timeout: 10_000,
        // ccxt's own redial backoff (1 s doubling, forgotten after 30 s quiet) off: each stream backs
        // off with jitter behind the venue's breaker already, and ccxt's, stacked on it, holds a
        // rebuild's redial past the watchdog, so two rebuilds in 30 s cascade into stalls
        options: { ...adapter.options, ws: { ...(adapter.options as { ws?: object }).ws, backoff: { base: 0, max: 0 } } },
        ...(this.baseUrl ? { urls: adapter.urls(`${this.baseUrl}/${adapter.id}`) } : {}),
      });
      // before any socket exists: ccxt binds these when it creates a connection
      const raw = ex as unknown as { handleMessage(client: unknown, message: unknown): unknown; log: (...args: unknown[]) => void };
      const handle = raw.handleMessage.bind(ex);
      const verifier = adapter.verifier?.(ex);
      raw.handleMessage = (client, message) => {
        this.frame(adapter.id);
        // a frame still arriving on a socket this process dropped: its book is being rebuilt on a new one
        if ((client as { error?: unknown } | undefined)?.error instanceof ccxtErrors.ExchangeClosedByUser) return undefined;
        if (typeof message === 'string' && (message[0] === '{' || message[0] === '[')) return this.malformed(adapter.id, message);
        const failed = verifier?.check(message, (client as { url?: string } | undefined)?.url);
        if (failed) {
          const safeSymbol = (ex as unknown as { safeSymbol(id: string, market?: unknown, delimiter?: string, type?: string): string }).safeSymbol.bind(ex);
          const symbol = failed.marketId === undefined ? undefined : safeSymbol(failed.marketId, undefined, undefined, failed.marketType);
          return this.failedCheck(adapter.id, symbol, failed.problem);
        }
        return handle(client, message);
      };
      raw.log = () => undefined;
      this.entries.set(adapter.id, (e = { ex, users: 0 }));
      // ccxt refuses plain ws:// unless its proxy agent module is loaded
      if (this.baseUrl?.startsWith('http://')) await ex.loadHttpProxyAgent();
    }
    e.users++;
    try {
      // a failed load leaves ccxt holding the rejected promise: ask again for real
      if (!e.ex.markets || Object.keys(e.ex.markets).length === 0) await e.ex.loadMarkets(true);
    } catch (err) {
      await this.release(adapter);
      throw err;
    }
    return e.ex;
  }

  async release(adapter: VenueAdapter): Promise<void> {
    const e = this.entries.get(adapter.id);
    if (!e || --e.users > 0) return;
    this.entries.delete(adapter.id);
    await e.ex.close().catch(() => undefined);
  }

  private subscriptionKey(adapter: VenueAdapter, symbol: string, kind: VenueKind): string {
    return `${adapter.id}|${symbol}|${adapter.subscriptionOf?.(kind) ?? kind}`;
  }

  /** A stream of `kind` of `symbol` uses its venue subscription (counted until letGo). */
  hold(adapter: VenueAdapter, symbol: string, kind: VenueKind): void {
    const key = this.subscriptionKey(adapter, symbol, kind);
    this.subscriptions.set(key, (this.subscriptions.get(key) ?? 0) + 1);
  }

  /** A stream stops using its venue subscription; true when it was the last (the subscription may end). */
  letGo(adapter: VenueAdapter, symbol: string, kind: VenueKind): boolean {
    const key = this.subscriptionKey(adapter, symbol, kind);
    const n = (this.subscriptions.get(key) ?? 1) - 1;
    if (n > 0) this.subscriptions.set(key, n);
    else this.subscriptions.delete(key);
    return n <= 0;
  }

  /**
   * Drops the venue's WebSocket connections (ccxt redials on the next watch): the cure for a stalled
   * or poisoned socket. Marked closed by the user, as ccxt's own close() does, so the watches on them
   * fail with ExchangeClosedByUser (not a venue failure: see isOwnClose) and their late frames are dropped.
   */
  async reconnect(adapter: VenueAdapter): Promise<void> {
    const ex = this.entries.get(adapter.id)?.ex as unknown as { clients?: Record<string, { error?: unknown; close(): Promise<unknown> }> } | undefined;
    const clients = Object.entries(ex?.clients ?? {});
    for (const [url, c] of clients) {
      c.error = new ccxtErrors.ExchangeClosedByUser(`${adapter.id} socket dropped by this service to redial`);
      delete ex!.clients![url];
    }
    await Promise.allSettled(clients.map(([, c]) => c.close()));
  }

  /** Instances alive (a test checks they go with their streams). */
  get size(): number {
    return this.entries.size;
  }
}

/** A watch ended because this process closed its socket (a redial, a stop), not because the venue failed. */
export function isOwnClose(err: Error): boolean {
  return err instanceof ccxtErrors.ExchangeClosedByUser || /closed by the user/.test(err.message);
}
