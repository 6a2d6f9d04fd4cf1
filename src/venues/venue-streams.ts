// The venue streams of this process, controlled at run time: add, change, remove, list. Each is
// kept in PostgreSQL (restored at start; VENUE_STREAMS adds those not there yet) and runs as a
// VenueStream feeding the VenueMarket, whose outputs go to the same bus readers as the engine's.
import type { MarketOutput } from '../market/market-output.js';
import { OutputBus } from '../market/output-bus.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { VenueStreamStore } from '../store/venue-stream-store.js';
import { VENUES } from './adapters/index.js';
import { parseStreamSpec, streamId, streamVenueSymbol, type StreamKnobs, type StreamSpec } from './stream-spec.js';
import { splitVenueSymbol, type VenueKind } from './venue.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { VenueClients } from './venue-clients.js';
import { VenueMarket } from './venue-market.js';
import { DEFAULT_TIMING, VenueStream, type StreamObserver, type StreamTiming } from './venue-stream.js';

export class StreamExistsError extends Error {}

export type VenueHealth = 'connected' | 'reconnecting' | 'circuit_open' | 'stale';

export class VenueStreams {
  readonly market = new VenueMarket();
  readonly clients: VenueClients;
  private readonly streams = new Map<string, VenueStream>();
  /** One circuit breaker per venue connection, kept while any stream of the venue runs. */
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly bus: OutputBus<MarketOutput>;
  private readonly observer: StreamObserver;
  private ageTimer: NodeJS.Timeout | undefined;
  /** Told when the last stream of a venue symbol is gone (readers drop what they kept of it). */
  onSymbolGone: (venueSymbol: string) => void = () => undefined;

  constructor(
    baseUrl: string | undefined,
    private readonly store: VenueStreamStore | undefined,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly timing: StreamTiming = DEFAULT_TIMING,
  ) {
    this.clients = new VenueClients(baseUrl, (venue, frame) => {
      metrics.venueMalformed.inc({ venue, kind: 'frame' });
      log.warn({ venue, frame: frame.slice(0, 200) }, 'malformed venue frame dropped');
    }, (venue, symbol, problem) => {
      const books = symbol === undefined ? [...this.streams.values()].filter((s) => s.spec.venue === venue && s.spec.kind === 'book') : [this.streams.get(streamId(venue, symbol, 'book'))];
      for (const s of books) if (s) void s.checkFailed(problem);
    }, (venue) => metrics.venueFrames.inc({ venue }));
    this.bus = new OutputBus(log);
    this.observer = {
      message: (s) => metrics.venueMessages.inc({ venue: s.venue, kind: s.kind }),
      failure: (s, cause) => {
        metrics.venueReconnects.inc({ venue: s.venue, kind: s.kind, cause });
        if (cause === 'stall') metrics.venueStalls.inc({ venue: s.venue, kind: s.kind });
        if (cause === 'checksum') metrics.venueChecksumFailures.inc({ venue: s.venue });
        if (cause === 'malformed') metrics.venueMalformed.inc({ venue: s.venue, kind: s.kind });
      },
      breaker: (s, open) => {
        metrics.venueBreakerOpen.set({ venue: s.venue }, open ? 1 : 0);
        log.warn({ stream: s.id, open }, open ? 'venue circuit breaker opened' : 'venue circuit breaker closed');
      },
    };
  }

  onOutput(listener: (out: MarketOutput) => void): void {
    this.bus.on(listener);
  }

  /** Restores the stored streams and adds the seeds not stored yet. */
  async start(seeds: readonly StreamSpec[]): Promise<void> {
    const stored = this.store ? await this.store.all() : [];
    // start is retried while PostgreSQL is away: what already runs is left alone
    for (const row of stored) {
      if (this.streams.has(row.id)) continue;
      try {
        this.run(parseStreamSpec({ venue: row.venue, symbol: row.symbol, kind: row.kind, depth: row.kind === 'book' ? row.depth : undefined, persist: row.persist, publish: row.publish }));
      } catch (err) {
        this.log.error({ stream: row.id, err: (err as Error).message }, 'stored venue stream refused; left in the table, not started');
      }
    }
    for (const s of seeds) if (!this.streams.has(s.id)) await this.add(s);
    this.ageTimer ??= setInterval(() => {
      const now = Date.now();
      for (const st of this.streams.values()) {
        if (st.stats.last_message_at !== null) this.metrics.venueMessageAge.set({ venue: st.spec.venue, kind: st.spec.kind, symbol: st.spec.symbol }, now - st.stats.last_message_at);
      }
    }, 1000);
    this.ageTimer.unref();
  }

  private run(spec: StreamSpec): VenueStream {
    let breaker = this.breakers.get(spec.venue);
    if (!breaker) this.breakers.set(spec.venue, (breaker = new CircuitBreaker(this.timing.breaker.threshold, this.timing.breaker.windowMs, this.timing.breaker.openMs)));
    const s = new VenueStream(spec, VENUES[spec.venue]!, this.clients, this.market, (out) => this.bus.emit(out), this.observer, this.log, breaker, this.timing);
    this.streams.set(spec.id, s);
    s.start();
    return s;
  }

  async add(spec: StreamSpec): Promise<VenueStream> {
    if (this.streams.has(spec.id)) throw new StreamExistsError(`stream ${spec.id} exists`);
    await this.store?.save(spec);
    this.log.info({ stream: spec.id }, 'venue stream added');
    return this.run(spec);
  }

  async patch(id: string, knobs: StreamKnobs): Promise<VenueStream | undefined> {
    const s = this.streams.get(id);
    if (!s) return undefined;
    const spec = { ...s.spec, ...knobs };
    await this.store?.save(spec);
    s.reconfigure(spec);
    return s;
  }

  async remove(id: string): Promise<boolean> {
    const s = this.streams.get(id);
    if (!s) return false;
    await this.store?.remove(id);
    this.streams.delete(id);
    await s.stop();
    if (!this.list().some((x) => x.spec.venue === s.spec.venue)) this.breakers.delete(s.spec.venue);
    if (!this.market.instrument(s.symbol)) this.onSymbolGone(s.symbol);
    this.metrics.venueMessageAge.remove({ venue: s.spec.venue, kind: s.spec.kind, symbol: s.spec.symbol });
    this.log.info({ stream: id }, 'venue stream removed');
    return true;
  }

  /** The spec of the stream that brings `kind` of a venue symbol (its knobs: publish, persist). */
  specOf(venueSymbol: string, kind: VenueKind): StreamSpec | undefined {
    const v = splitVenueSymbol(venueSymbol);
    return v && this.streams.get(streamId(v.venue, v.symbol, kind))?.spec;
  }

  get(id: string): VenueStream | undefined {
    return this.streams.get(id);
  }

  list(): VenueStream[] {
    return [...this.streams.values()];
  }

  /** Whether any stream of a venue symbol still runs (its hub state is dropped with the last). */
  serves(venueSymbol: string): boolean {
    return this.list().some((s) => streamVenueSymbol(s.spec) === venueSymbol);
  }

  /** Per venue, the worst state of its streams (for /health). */
  health(): Record<string, VenueHealth> {
    const rank: VenueHealth[] = ['connected', 'stale', 'reconnecting', 'circuit_open'];
    const out: Record<string, VenueHealth> = {};
    for (const s of this.streams.values()) {
      const st = s.describe().state as string;
      const h: VenueHealth = st === 'connected' ? 'connected' : st === 'stale' ? 'stale' : st === 'circuit_open' ? 'circuit_open' : 'reconnecting';
      const prev = out[s.spec.venue];
      if (!prev || rank.indexOf(h) > rank.indexOf(prev)) out[s.spec.venue] = h;
    }
    return out;
  }

  async stop(): Promise<void> {
    clearInterval(this.ageTimer);
    await Promise.allSettled(this.list().map((s) => s.stop()));
  }
}
