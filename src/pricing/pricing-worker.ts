// The index worker: takes each configured exchange's spot price of every index the perpetuals
// track from a live venue stream where one runs (src/venues/), else polls it (ccxt REST, exact strings), keeps the raw quotes for the audit trail, and once a
// second computes index, mark and funding and publishes them (md.index.v1, md.mark.v1,
// md.funding.v1, and the in-process listeners).
import type { Kafka, Message, Producer } from 'kafkajs';
import { Partitioners } from '../ingest/kafkajs.js';
import type { Exchange } from 'ccxt';
import { ensureTopics } from '../contract/topic-setup.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerTopicSchema, type TopicEncoder } from '../contract/avro-codec.js';
import type { MdTopics } from '../contract/topics.js';
import type { Config } from '../config.js';
import { formatFixed, fromUnits, indexPrice, toFixed, type Fixed, type SourceQuote } from '../domain/pricing.js';
import type { MarketState } from '../ingest/market-state.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { Tracing } from '../obs/tracing.js';
import { Pricer } from './pricer.js';
import { createExchange, MAPPERS, type SourceId } from './sources.js';
import type { FundingView, IndexView, MarkView } from '../domain/wire-views.js';

export type { FundingView, IndexView, MarkView };

export interface PricingOutput {
  indices: IndexView[];
  marks: MarkView[];
  funding: FundingView[];
}

/**
 * Two sources of prices read as one (the engine's pricing and the venue perpetuals'); undefined
 * while neither has any, so an instance without pricing still says so.
 */
export function combinePricing(a: PricingOutput | undefined, b: PricingOutput): PricingOutput | undefined {
  if (!a) return b.marks.length || b.funding.length || b.indices.length ? b : undefined;
  return { indices: [...a.indices, ...b.indices], marks: [...a.marks, ...b.marks], funding: [...a.funding, ...b.funding] };
}

/** A raw quote as an exchange gave it: the index audit trail (stored by the persistence layer). */
export interface RawQuote {
  indexSymbol: string;
  source: SourceId;
  price: string;
  receivedAt: number;
}

const DECIMAL = /^(0|[1-9]\d*)(\.\d{1,18})?$/;
const RATE_DECIMALS = 8;

/** Each index's price (undefined when stale) and the decimals it is shown with, by index symbol. */
type IndexPrices = Map<string, { price: Fixed | undefined; decimals: number }>;

interface IndexDef {
  symbol: string;
  base: string;
  quote: string;
  decimals: number;
}

export class PricingWorker {
  private readonly exchanges = new Map<SourceId, Exchange>();
  private readonly latest = new Map<string, SourceQuote>(); // `${index}/${source}`
  private readonly pricers = new Map<string, Pricer>();
  private readonly inFlight = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners: ((out: PricingOutput) => void)[] = [];
  private raw: RawQuote[] = [];
  private ticking: Promise<void> | undefined;
  private producer: Producer | undefined;
  private enc: { index: TopicEncoder<IndexView>; mark: TopicEncoder<MarkView>; funding: TopicEncoder<FundingView> } | undefined;
  readonly lastOutput: PricingOutput = { indices: [], marks: [], funding: [] };
  /** A live price of base/quote from a venue stream of that exchange (src/venues/), when one runs: preferred to polling. */
  liveQuote: ((source: SourceId, base: string, quote: string) => string | undefined) | undefined;

  constructor(
    private readonly cfg: Config['pricing'],
    private readonly state: MarketState,
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistry,
    private readonly topics: MdTopics,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly tracing: Tracing = Tracing.disabled(),
  ) {
    // every source's series exists from the start (-1: no quote yet), so an alert on its absence works
    for (const s of cfg.sources) metrics.indexStaleness.set({ exchange: s.id }, -1);
  }

  onOutput(listener: (out: PricingOutput) => void): void {
    this.listeners.push(listener);
  }

  /** Raw quotes received since the last call (bounded: the oldest are dropped past 100,000). */
  takeRawQuotes(): RawQuote[] {
    const r = this.raw;
    this.raw = [];
    return r;
  }

  /** A ccxt instance per configured source (each exchange's module is imported on first use). */
  async loadSources(): Promise<void> {
    for (const s of this.cfg.sources) if (!this.exchanges.has(s.id)) this.exchanges.set(s.id, await createExchange(MAPPERS[s.id], Math.min(this.cfg.staleMs, 5000), this.cfg.exchangeBaseUrl));
  }

  async start(): Promise<void> {
    await this.loadSources();
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [this.topics.index, this.topics.mark, this.topics.funding].map((topic) => ({ topic, numPartitions: 1 })));
    await admin.disconnect();
    this.enc = {
      index: await registerTopicSchema<IndexView>(this.registry, this.topics.index, 'md.index.v1.avsc'),
      mark: await registerTopicSchema<MarkView>(this.registry, this.topics.mark, 'md.mark.v1.avsc'),
      funding: await registerTopicSchema<FundingView>(this.registry, this.topics.funding, 'md.funding.v1.avsc'),
    };
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.startLoops();
  }

  /** Polling and the once-a-second computation; publishing only once start() has set up Kafka. */
  startLoops(): void {
    this.timers.push(
      setInterval(() => this.poll(), this.cfg.pollMs),
      setInterval(() => {
        this.ticking = this.tick()
          .then(() => undefined)
          .catch((err) => this.log.warn({ err: (err as Error).message }, 'pricing publish failed'));
      }, 1000),
    );
  }

  /** Stops the loops; a computation under way is published before the producer goes. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.ticking;
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** Every index some perpetual tracks, priced in the perpetual's tick decimals. */
  private indices(): IndexDef[] {
    const out = new Map<string, IndexDef>();
    for (const symbol of this.state.symbols()) {
      const inst = this.state.instrument(symbol)!;
      if (inst.perpetual && !out.has(inst.perpetual.indexSymbol)) {
        out.set(inst.perpetual.indexSymbol, { symbol: inst.perpetual.indexSymbol, base: inst.base, quote: inst.quote, decimals: inst.tick.decimals });
      }
    }
    return [...out.values()];
  }

  private take(key: string, indexSymbol: string, id: SourceId, price: string, via: 'stream' | 'rest'): void {
    const receivedAt = Date.now();
    const weight = this.cfg.sources.find((s) => s.id === id)!.weight;
    this.latest.set(key, { source: id, price: toFixed(price), weight: toFixed(weight), receivedAt });
    this.raw.push({ indexSymbol, source: id, price, receivedAt });
    if (this.raw.length > 100_000) this.raw.shift();
    this.metrics.indexQuotes.inc({ exchange: id, via });
  }

  private poll(): void {
    for (const idx of this.indices()) {
      for (const [id, ex] of this.exchanges) {
        const key = `${idx.symbol}/${id}`;
        const live = this.liveQuote?.(id, idx.base, idx.quote);
        if (live !== undefined && DECIMAL.test(live) && !/^0(\.0*)?$/.test(live)) {
          this.take(key, idx.symbol, id, live, 'stream');
          continue;
        }
        if (this.inFlight.has(key)) continue; // a slow source is not asked twice at once
        this.inFlight.add(key);
        MAPPERS[id]
          .lastPrice(ex, idx.base, idx.quote)
          .then((price) => {
            if (!DECIMAL.test(price) || /^0(\.0*)?$/.test(price)) throw new Error(`not a positive decimal: ${price.slice(0, 40)}`);
            this.take(key, idx.symbol, id, price, 'rest');
          })
          .catch((err: Error) => this.metrics.indexSourceErrors.inc({ exchange: id, reason: err.constructor.name }))
          .finally(() => this.inFlight.delete(key));
      }
    }
  }

  /** Once a second: index, mark and funding for everything, then publish. */
  async tick(now = Date.now()): Promise<PricingOutput> {
    const out: PricingOutput = { indices: [], marks: [], funding: [] };
    const indices = this.indices();
    const indexBySymbol = this.tracing.run(this.tracing.start('md.compute_index', { indices: indices.length }), () => this.computeIndices(indices, now, out));
    this.tracing.run(this.tracing.start('md.compute_mark', { symbols: this.state.symbols().length }), () => this.computeMarks(indexBySymbol, now, out));
    // with several cores each publishes the prices of the perpetuals it owns (and their indices)
    const owned = new Set(out.marks.map((m) => m.index_symbol));
    out.indices = out.indices.filter((i) => owned.has(i.index_symbol));
    Object.assign(this.lastOutput, out);
    for (const l of this.listeners) l(out);
    if (this.producer && this.enc) {
      const enc = this.enc;
      const msgs = <T>(items: T[], key: (t: T) => string, e: TopicEncoder<T>): Message[] => items.map((i) => ({ key: key(i), value: e.encode(i) }));
      const topicMessages = [
        { topic: this.topics.index, messages: msgs(out.indices, (i) => i.index_symbol, enc.index) },
        { topic: this.topics.mark, messages: msgs(out.marks, (m) => m.symbol, enc.mark) },
        { topic: this.topics.funding, messages: msgs(out.funding, (f) => f.symbol, enc.funding) },
      ].filter((t) => t.messages.length);
      if (topicMessages.length) await this.producer.sendBatch({ topicMessages });
    }
    return out;
  }

  /** Every index from its sources' latest quotes (into `out.indices`); their prices by index symbol. */
  private computeIndices(indices: IndexDef[], now: number, out: PricingOutput): IndexPrices {
    const indexBySymbol: IndexPrices = new Map();
    const staleness = new Map<SourceId, number>();
    for (const idx of indices) {
      const quotes: SourceQuote[] = [];
      for (const { id } of this.cfg.sources) {
        const q = this.latest.get(`${idx.symbol}/${id}`);
        if (q) quotes.push(q);
        staleness.set(id, Math.max(staleness.get(id) ?? 0, q ? now - q.receivedAt : Infinity));
      }
      const r = indexPrice(quotes, now, this.cfg.staleMs, toFixed(this.cfg.maxDeviation));
      for (const { id } of this.cfg.sources) if (!quotes.some((q) => q.source === id)) r.excluded.push({ source: id, reason: 'stale' });
      indexBySymbol.set(idx.symbol, { price: r.price, decimals: idx.decimals });
      out.indices.push({
        index_symbol: idx.symbol,
        price: r.price === undefined ? null : formatFixed(r.price, idx.decimals),
        stale: r.price === undefined,
        timestamp: now,
        sources_used: r.used,
        sources_excluded: r.excluded,
      });
    }
    for (const [id, ms] of staleness) this.metrics.indexStaleness.set({ exchange: id }, Number.isFinite(ms) ? ms : -1);
    return indexBySymbol;
  }

  /** Mark price and funding of every perpetual (into `out.marks`, `out.funding`). */
  private computeMarks(indexBySymbol: IndexPrices, now: number, out: PricingOutput): void {
    for (const symbol of this.state.symbols()) {
      const inst = this.state.instrument(symbol)!;
      if (!inst.perpetual || !this.state.owns(symbol)) continue;
      const idx = indexBySymbol.get(inst.perpetual.indexSymbol)!;
      let pricer = this.pricers.get(symbol);
      if (!pricer) {
        pricer = new Pricer({ emaSpan: this.cfg.emaSpan, fundingIntervalHours: inst.perpetual.fundingIntervalHours, interestRate: toFixed(inst.perpetual.interestRate) });
        this.pricers.set(symbol, pricer);
      }
      const book = this.state.books.book(symbol);
      const m2 = this.state.status(symbol) === 'in_sync' ? book?.midTimesTwo() : undefined;
      const mid = m2 === undefined ? undefined : fromUnits(BigInt(m2) * BigInt(inst.tick.step), inst.tick.decimals) / 2n;
      const s = pricer.step(now, idx.price, mid);
      const fmt = (v: Fixed | undefined) => (v === undefined ? null : formatFixed(v, inst.tick.decimals));
      out.marks.push({ symbol, index_symbol: inst.perpetual.indexSymbol, mark_price: fmt(s.mark), index_price: fmt(s.index), premium_ema: fmt(s.premiumEma), stale: s.markStale, timestamp: now });
      out.funding.push({
        symbol,
        funding_rate: formatFixed(s.fundingRate, RATE_DECIMALS),
        premium_rate_avg: formatFixed(s.premiumRateAvg, RATE_DECIMALS),
        interest_rate: inst.perpetual.interestRate,
        next_funding_time: s.nextFundingTime,
        countdown_seconds: s.countdownSeconds,
        timestamp: now,
      });
    }
  }
}
