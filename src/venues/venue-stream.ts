// One venue stream (a kind of one symbol on one venue) kept alive: ccxt's watch loop, with what
// ccxt lacks around it: a watchdog (silent for twice the venue's interval → reconnect),
// exponential backoff with jitter, a circuit breaker, and a count of everything that went wrong.
// What it receives is normalized by the VenueMarket and handed on as MarketOutput.
import type { Exchange } from 'ccxt';
import type { Instrument } from '../domain/instrument.js';
import { emptyMarketOutput, type MarketOutput } from '../market/market-output.js';
import type { Logger } from '../obs/logger.js';
import { backoffMs } from './backoff.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { marketIncrements, VenueValueError } from './exact.js';
import { streamVenueSymbol, type StreamSpec } from './stream-spec.js';
import type { VenueAdapter, VenueFunding, VenueLiquidation } from './venue.js';
import { isOwnClose, type VenueClients } from './venue-clients.js';
import type { CcxtTicker, CcxtTrade, VenueMarket } from './venue-market.js';

export type StreamState = 'connecting' | 'connected' | 'reconnecting' | 'circuit_open' | 'stale' | 'stopped';
export type FailureCause = 'stall' | 'closed' | 'checksum' | 'malformed' | 'refused';

export interface StreamStats {
  messages: number;
  reconnects: number;
  stalls: number;
  checksum_failures: number;
  malformed: number;
  errors: number;
  last_message_at: number | null;
  last_error: string | null;
}

export interface StreamObserver {
  message(spec: StreamSpec): void;
  failure(spec: StreamSpec, cause: FailureCause, err: Error): void;
  breaker(spec: StreamSpec, open: boolean): void;
}

export interface StreamTiming {
  /** The watchdog fires after this many times the venue's interval. */
  watchdogFactor: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breaker: { threshold: number; windowMs: number; openMs: number };
}

export const DEFAULT_TIMING: StreamTiming = { watchdogFactor: 2, backoffBaseMs: 250, backoffMaxMs: 30_000, breaker: { threshold: 5, windowMs: 60_000, openMs: 30_000 } };

class StallError extends Error {}

/** ccxt's errors for a book that failed its sequence or checksum check. */
const isIntegrityError = (err: Error) => ['ChecksumError', 'InvalidNonce'].includes(err.constructor?.name ?? '') || /checksum|nonce|sequence/i.test(err.message);

export class VenueStream {
  state: StreamState = 'connecting';
  readonly stats: StreamStats = { messages: 0, reconnects: 0, stalls: 0, checksum_failures: 0, malformed: 0, errors: 0, last_message_at: null, last_error: null };
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Counted as a user of its venue subscription (VenueClients.hold) from start to stop. */
  private holding = false;
  private opened = false;
  private exchange: Exchange | undefined;

  constructor(
    public spec: StreamSpec,
    private readonly adapter: VenueAdapter,
    private readonly clients: VenueClients,
    private readonly market: VenueMarket,
    private readonly emit: (out: MarketOutput) => void,
    private readonly observer: StreamObserver,
    private readonly log: Logger,
    /** The venue connection's breaker, shared by the venue's streams (they share its sockets). */
    readonly breaker: CircuitBreaker,
    private readonly timing: StreamTiming = DEFAULT_TIMING,
  ) {}

  get symbol(): string {
    return streamVenueSymbol(this.spec);
  }

  start(): void {
    if (this.running) return;
    this.clients.hold(this.adapter, this.spec.symbol, this.spec.kind);
    this.holding = true;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.wake?.();
    const last = this.holding && this.clients.letGo(this.adapter, this.spec.symbol, this.spec.kind);
    this.holding = false;
    await this.running;
    if (this.exchange) {
      // a subscription another stream still rides on (bybit's tickers: a ticker and a funding stream) stays
      if (last) await this.unwatch(this.exchange);
      await this.clients.release(this.adapter);
      this.exchange = undefined;
    }
    if (this.opened) this.market.close(this.symbol, this.spec.kind);
  }

  /** A knob changed (depth: the next update is a fresh snapshot at the new depth). */
  reconfigure(spec: StreamSpec): void {
    this.spec = spec;
    if (spec.kind === 'book') this.market.setDepth(this.symbol, spec.depth);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const now = Date.now();
      if (!this.breaker.allow(now)) {
        this.state = 'circuit_open';
        await this.sleep(Math.max(100, Math.min(1000, this.breaker.waitMs(now))));
        continue;
      }
      let fresh = true;
      try {
        const ex = await this.connect();
        while (!this.stopped) {
          const out = await this.watchOnce(ex);
          if (this.stopped) break;
          this.stats.messages++;
          this.stats.last_message_at = Date.now();
          this.observer.message(this.spec);
          if (fresh) {
            fresh = false;
            attempt = 0;
            if (this.breaker.state !== 'closed') this.observer.breaker(this.spec, false);
            this.breaker.success();
          }
          this.state = 'connected';
          if (out) this.emit(out);
        }
      } catch (err) {
        if (this.stopped) break;
        await this.failed(err as Error);
        this.state = this.breaker.state === 'open' ? 'circuit_open' : 'reconnecting';
        await this.sleep(backoffMs(attempt++, this.timing.backoffBaseMs, this.timing.backoffMaxMs));
      }
    }
  }

  private async connect(): Promise<Exchange> {
    let ex: Exchange;
    try {
      ex = this.exchange ?? (await this.clients.acquire(this.adapter));
    } catch (err) {
      throw Object.assign(err as Error, { refused: true });
    }
    this.exchange = ex;
    if (!this.opened) {
      this.market.open(this.symbol, this.instrument(ex));
      this.opened = true;
      if (this.spec.kind === 'book') this.market.setDepth(this.symbol, this.spec.depth);
    }
    return ex;
  }

  /** The stream's instrument from ccxt's market: exact tick and lot from its precision. */
  private instrument(ex: Exchange): Instrument {
    const m = ex.markets?.[this.spec.symbol];
    // the stream's own mistake, not the venue failing: retried (a market may be listed later) but never held against the venue's breaker
    if (!m) throw Object.assign(new VenueValueError(`${this.adapter.id} lists no market ${this.spec.symbol}`), { refused: true, ownMistake: true });
    if (m.spot && (this.spec.kind === 'funding' || this.spec.kind === 'liquidations')) {
      throw Object.assign(new VenueValueError(`${this.adapter.id} ${this.spec.symbol} is a spot market: it has no ${this.spec.kind}`), { refused: true, ownMistake: true });
    }
    const { tick, lot } = marketIncrements(ex as Parameters<typeof marketIncrements>[0], this.spec.symbol, this.adapter.decimals);
    const funding = this.adapter.funding;
    // a venue perpetual with a funding feed has mark, index and funding channels like an engine one
    const perpetual = !m.spot && funding ? { indexSymbol: `${this.symbol}-INDEX`, fundingIntervalHours: funding.fundingIntervalHours, interestRate: funding.interestRate } : undefined;
    return { symbol: this.symbol, base: m.base, quote: m.quote, kind: m.spot ? 'spot' : 'perpetual', status: 'trading', tickSize: tick.size, lotSize: lot.size, tick, lot, ...(perpetual ? { perpetual } : {}) };
  }

  /** The longest this stream normally stays silent. */
  private get intervalMs(): number {
    return this.adapter.intervalMs[this.spec.kind] ?? 30_000;
  }

  /** One update, normalized; rejects with a StallError when the venue is silent too long. */
  private async watchOnce(ex: Exchange): Promise<MarketOutput | undefined> {
    const { kind, symbol, depth } = this.spec;
    const watched: Promise<unknown> =
      kind === 'book' ? ex.watchOrderBook(symbol, this.adapter.bookLimit?.(depth))
      : kind === 'trades' ? ex.watchTrades(symbol)
      : kind === 'funding' ? this.adapter.funding!.watch(ex, symbol)
      : kind === 'liquidations' ? this.adapter.liquidations!.watch(ex, symbol)
      : ex.watchTicker(symbol);
    watched.catch(() => undefined); // a watch abandoned by the watchdog rejects later, unheard
    const limit = this.intervalMs * this.timing.watchdogFactor;
    let timer: NodeJS.Timeout | undefined;
    const data = await Promise.race([watched, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StallError(`no ${kind} update for ${limit} ms`)), limit)))]).finally(() => clearTimeout(timer));
    const now = Date.now();
    if (kind === 'book') {
      const ob = data as { bids: number[][]; asks: number[][]; timestamp?: number };
      return this.market.onBook(this.symbol, depth, ob.bids, ob.asks, ob.timestamp ?? now, now);
    }
    if (kind === 'trades') return this.market.onTrades(this.symbol, data as CcxtTrade[], now);
    if (kind === 'funding') {
      this.market.onFunding(this.symbol, data as VenueFunding, now);
      return undefined;
    }
    if (kind === 'liquidations') return this.market.onLiquidations(this.symbol, data as VenueLiquidation[], now);
    const { tickerDerived: derived, tickerExact: exact } = this.adapter;
    const ticker = derived || exact ? { ...(data as CcxtTicker) } : (data as CcxtTicker);
    for (const field of derived ?? []) delete ticker[field];
    if (exact) Object.assign(ticker, exact((data as { info?: unknown }).info));
    return this.market.onTicker(this.symbol, ticker, now);
  }

  private async failed(err: Error): Promise<void> {
    const cause: FailureCause =
      err instanceof StallError ? 'stall' : err instanceof VenueValueError && !(err as { refused?: boolean }).refused ? 'malformed' : (err as { refused?: boolean }).refused ? 'refused' : isIntegrityError(err) ? 'checksum' : 'closed';
    // a socket this process closed itself (a rebuild, a sibling stream's watchdog) is not the venue failing
    const ownClose = isOwnClose(err);
    this.stats.reconnects++;
    this.stats.last_error = `${cause}: ${err.message}`.slice(0, 300);
    if (cause === 'stall') this.stats.stalls++;
    else if (cause === 'checksum') this.stats.checksum_failures++;
    else if (cause === 'malformed') this.stats.malformed++;
    else if (!ownClose) this.stats.errors++;
    if (!ownClose) this.observer.failure(this.spec, cause, err);
    this.log.warn({ stream: this.spec.id, cause, err: err.message.slice(0, 300) }, ownClose ? 'venue socket redialled' : 'venue stream failed; reconnecting');
    if (!ownClose && !(err as { ownMistake?: boolean }).ownMistake) {
      const wasOpen = this.breaker.state === 'open';
      this.breaker.failure(Date.now());
      if (!wasOpen && this.breaker.state === 'open') this.observer.breaker(this.spec, true);
    }
    const broke = this.spec.kind === 'book' ? this.market.breakBook(this.symbol) : emptyMarketOutput();
    this.market.setStalled(this.symbol, true);
    this.emit(broke); // readers learn the book's new status now, not with the next update
    // a silent or poisoned socket is dropped, so ccxt redials and resubscribes (a fresh book snapshot)
    const redial = cause === 'stall' || cause === 'malformed' || (cause === 'checksum' && this.adapter.rebuildOnFreshSocket === true);
    if (redial && this.exchange) await this.clients.reconnect(this.adapter);
    // after the redial: a frame of the old socket could otherwise seed a book again
    if (this.spec.kind === 'book' && this.adapter.rebuildOnFreshSocket) delete (this.exchange as { orderbooks?: Record<string, unknown> } | undefined)?.orderbooks?.[this.spec.symbol];
  }

  /** The venue's book failed a check ccxt does not make (the verifier): rebuilt from a fresh subscription. */
  async checkFailed(problem: string): Promise<void> {
    if (this.spec.kind !== 'book') return;
    this.stats.checksum_failures++;
    this.stats.last_error = `checksum: ${problem}`.slice(0, 300);
    this.observer.failure(this.spec, 'checksum', new Error(problem));
    this.log.warn({ stream: this.spec.id, problem }, 'venue book failed its check; rebuilding');
    this.emit(this.market.breakBook(this.symbol));
    await this.clients.reconnect(this.adapter);
  }

  private async unwatch(ex: Exchange): Promise<void> {
    const within1s = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (this.spec.kind === 'funding' || this.spec.kind === 'liquidations') {
      const feed = this.spec.kind === 'funding' ? this.adapter.funding : this.adapter.liquidations;
      if (feed?.unwatch) await within1s(feed.unwatch(ex, this.spec.symbol));
      return;
    }
    if (this.spec.kind === 'book' && this.adapter.unwatchBook) {
      await within1s(this.adapter.unwatchBook(ex, this.spec.symbol));
      return;
    }
    const method = { book: 'unWatchOrderBook', trades: 'unWatchTrades', ticker: 'unWatchTicker' }[this.spec.kind];
    const fn = (ex as unknown as Record<string, ((s: string) => Promise<unknown>) | undefined>)[method];
    if (ex.has?.[method] && fn) await within1s(fn.call(ex, this.spec.symbol));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** What GET /v1/streams/{id} tells. */
  describe(now = Date.now()): Record<string, unknown> {
    const { depth, ...spec } = this.spec;
    return {
      ...spec,
      ...(spec.kind === 'book' ? { depth } : {}),
      venue_symbol: this.symbol,
      state: this.state === 'connected' && this.stats.last_message_at !== null && now - this.stats.last_message_at > this.intervalMs * this.timing.watchdogFactor ? 'stale' : this.state,
      breaker: this.breaker.state,
      ...this.stats,
      last_message_age_ms: this.stats.last_message_at === null ? null : now - this.stats.last_message_at,
    };
  }
}
