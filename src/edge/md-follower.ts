// The edge's output source: follows the md.* topics of every symbol (EDGE_ISOLATION) and feeds
// the EdgeMarket, handing each resulting value to its listeners (the hub) as the in-process
// ingest does on an `all` process. Start: every instrument, then each topic from where its
// latest state is sure to be (a snapshot interval back for books, candles and tickers, the last
// trades of each symbol), so an edge started at any time is complete within seconds. Nothing is
// committed: an edge is stateless.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { AvroDecoder, WireFormatError } from '../contract/avro-codec.js';
import type { WireInstrument, WireInstrumentStatus } from '../contract/engine-wire.js';
import { MD_RECORD, type MdCandle, type MdDelta, type MdSnapshot, type MdTicker, type MdTrade } from '../contract/md-wire.js';
import { engineTopics, INSTRUMENT_ROLES, mdTopics, RECORD_NAME, type TopicRole } from '../contract/topics.js';
import { emptyMarketOutput, type MarketOutput, type TradeValue } from '../market/market-output.js';
import { OutputBus } from '../market/output-bus.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { FundingView, IndexView, MarkView, PricingOutput } from '../pricing/pricing-worker.js';
import { TopicTail } from '../ingest/topic-tail.js';
import type { EdgeMarket } from './edge-market.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

export interface FollowerOptions {
  topicPrefix: string;
  /** Cores publish every book whole this often: the edge reads back a little more than that. */
  snapshotIntervalMs: number;
  /** Trades of each symbol read back at start (for /v1/trades and the trades tape). */
  recentTrades: number;
  /** Each fetch of md.* waits for this many bytes or this long, whichever comes first. */
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  /** Reads records of transactions not committed yet (EDGE_ISOLATION): one commit round sooner; EdgeMarket drops what is written again. */
  readUncommitted: boolean;
}

type Kind = 'snapshot' | 'delta' | 'candle' | 'ticker' | 'mark' | 'index' | 'funding' | 'trade';

export class MdFollower {
  private readonly decoder: AvroDecoder;
  private readonly outputs: OutputBus<MarketOutput>;
  private readonly prices: OutputBus<PricingOutput>;
  /** The latest mark, index and funding of every symbol (what REST and gRPC answer). */
  readonly pricing: PricingOutput = { indices: [], marks: [], funding: [] };
  private readonly marks = new Map<string, MarkView>();
  private readonly indices = new Map<string, IndexView>();
  private readonly funding = new Map<string, FundingView>();
  private instruments: TopicTail | undefined;
  private consumer: Consumer | undefined;
  private tradeTopics = new Set<string>();
  private followedKinds = new Set<string>();
  private restarting: Promise<void> | undefined;
  /** Next offset per topic/partition read so far (where a restarted consumer continues). */
  private positions = new Map<string, string>();
  private readonly loggedCauses = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly kindOf = new Map<string, Kind>();
  /** Trades of the fetch batch being read, emitted together at its end. */
  private batchTrades: TradeValue[] = [];
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    registry: SchemaRegistry,
    private readonly market: EdgeMarket,
    private readonly opts: FollowerOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.decoder = new AvroDecoder(registry);
    this.outputs = new OutputBus(log);
    this.prices = new OutputBus(log);
    const t = mdTopics(opts.topicPrefix);
    const kinds: [string, Kind][] = [[t.bookSnapshot, 'snapshot'], [t.bookDelta, 'delta'], [t.ohlcv, 'candle'], [t.ticker, 'ticker'], [t.mark, 'mark'], [t.index, 'index'], [t.funding, 'funding']];
    for (const [topic, kind] of kinds) this.kindOf.set(topic, kind);
  }

  onOutput(listener: (out: MarketOutput) => void): void {
    this.outputs.on(listener);
  }

  onPricing(listener: (out: PricingOutput) => void): void {
    this.prices.on(listener);
  }

  private registryWait(err: Error, attempt: number): void {
    this.metrics.registryWaits.inc();
    if (attempt === 1 || attempt % 30 === 0) this.log.warn({ err: err.message, attempt }, 'edge: schema registry unavailable; the message waits for it');
  }

  /** A record or book the edge could not use: counted, logged once per cause and topic, never fatal. */
  problem(cause: string, topic: string, detail: string): void {
    this.metrics.edgeProblems.inc({ cause });
    const key = `${cause}|${topic}`;
    if (this.loggedCauses.has(key)) return;
    this.loggedCauses.add(key);
    this.log.warn({ cause, topic, detail }, 'edge: md.* record not used (logged once per cause and topic; counted in md_edge_problems_total)');
  }

  /** Starts everything; on failure stops what it started, so it can be called again. */
  async start(): Promise<void> {
    try {
      await this.startOnce();
    } catch (err) {
      await Promise.allSettled([this.instruments?.stop(), this.consumer?.disconnect()]);
      this.instruments = undefined;
      this.consumer = undefined;
      throw err;
    }
  }

  private async startOnce(): Promise<void> {
    const topics = engineTopics(this.opts.topicPrefix);
    const roleOf = new Map<string, TopicRole>(INSTRUMENT_ROLES.map((r) => [topics[r], r]));
    this.instruments = new TopicTail(this.kafka, `edge-instruments`, INSTRUMENT_ROLES.map((r) => topics[r]), true, async (topic, _p, m) => {
      const role = roleOf.get(topic)!;
      try {
        const value = await this.decoder.decode<unknown>(m.value, RECORD_NAME[role], (err, attempt) => this.registryWait(err, attempt));
        if (role === 'instrumentHalt' || role === 'instrumentResume') this.market.onStatus(value as WireInstrumentStatus);
        else this.market.onInstrument(value as WireInstrument);
      } catch (err) {
        this.problem(err instanceof WireFormatError ? err.reason : 'undecodable', topic, (err as Error).message);
        return;
      }
    }, this.log);
    await this.instruments.start();
    await this.instruments.caughtUp;
    await this.follow();
    // statuses (stale, halted) change without messages: the hub looks at them on every output
    this.timers.push(
      setInterval(() => this.emit(emptyMarketOutput()), 500),
      // a new symbol's trades go to a topic of its own, created by its core
      setInterval(() => this.watchTopics(), 5000),
    );
  }

  /** Starts (or restarts, when symbols appeared) the md.* consumer, each topic from where its current state is. */
  private async follow(resumeAt?: Map<string, string>): Promise<void> {
    const t = mdTopics(this.opts.topicPrefix);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const all = await admin.listTopics();
      const tradePrefix = t.trades('');
      this.tradeTopics = new Set(all.filter((n) => n.startsWith(tradePrefix)));
      const topics = [...this.kindOf.keys()].filter((n) => all.includes(n));
      const required = [t.bookSnapshot, t.bookDelta, t.ohlcv, t.ticker];
      const missing = required.filter((n) => !all.includes(n));
      if (missing.length) throw new Error(`waiting for a core to create ${missing.join(', ')}`);
      this.followedKinds = new Set(topics);
      const subscribed = [...topics, ...this.tradeTopics];
      const seeks = resumeAt ? await this.resumeSeeks(admin, subscribed, resumeAt) : await this.startSeeks(admin, topics);
      const consumer = this.kafka.consumer({ groupId: `edge-${randomUUID()}`, readUncommitted: this.opts.readUncommitted, minBytes: this.opts.fetchMinBytes, maxWaitTimeInMs: this.opts.fetchMaxWaitMs, allowAutoTopicCreation: false, maxBytesPerPartition: 8 * 1024 * 1024 });
      await consumer.connect();
      if (subscribed.length) await consumer.subscribe({ topics: subscribed, fromBeginning: false });
      const next = new Map<string, string>();
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          this.metrics.kafkaConsumed.inc({ topic: batch.topic }, batch.messages.length);
          for (const m of batch.messages) await this.onMessage(batch.topic, m);
          this.emitTrades();
          const last = batch.messages[batch.messages.length - 1];
          if (last) next.set(`${batch.topic}/${batch.partition}`, String(BigInt(last.offset) + 1n));
        },
      });
      for (const s of seeks) consumer.seek(s);
      this.consumer = consumer;
      this.positions = next;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** First start: books, candles and tickers from a snapshot interval back, prices a few seconds back, each symbol's last trades. */
  private async startSeeks(admin: Admin, topics: string[]): Promise<{ topic: string; partition: number; offset: string }[]> {
    const now = Date.now();
    const back: Record<Kind, number> = { snapshot: this.opts.snapshotIntervalMs * 2 + 5000, delta: this.opts.snapshotIntervalMs * 2 + 5000, candle: this.opts.snapshotIntervalMs * 2 + 5000, ticker: 10_000, mark: 10_000, index: 10_000, funding: 10_000, trade: 0 };
    const seeks: { topic: string; partition: number; offset: string }[] = [];
    for (const topic of topics) {
      const at = await admin.fetchTopicOffsetsByTimestamp(topic, now - back[this.kindOf.get(topic)!]);
      const ends = await admin.fetchTopicOffsets(topic);
      for (const p of at) {
        const end = ends.find((e) => e.partition === p.partition)!.high;
        seeks.push({ topic, partition: p.partition, offset: BigInt(p.offset) < 0n ? end : p.offset });
      }
    }
    for (const topic of this.tradeTopics) seeks.push(...(await this.recentTradeSeeks(admin, topic)));
    return seeks;
  }

  private async recentTradeSeeks(admin: Admin, topic: string): Promise<{ topic: string; partition: number; offset: string }[]> {
    const ends = await admin.fetchTopicOffsets(topic);
    // transaction markers take offsets too: a little more than the number of trades wanted
    return ends.map((e) => ({ topic, partition: e.partition, offset: String(BigInt(Math.max(Number(e.low), Number(e.high) - Math.ceil(this.opts.recentTrades * 1.2)))) }));
  }

  /** A restart: every partition read so far continues where it was; new trade topics from their last trades. */
  private async resumeSeeks(admin: Admin, subscribed: string[], at: Map<string, string>): Promise<{ topic: string; partition: number; offset: string }[]> {
    const seeks: { topic: string; partition: number; offset: string }[] = [];
    for (const topic of subscribed) {
      const ends = await admin.fetchTopicOffsets(topic);
      const known = ends.filter((e) => at.has(`${topic}/${e.partition}`));
      if (known.length === 0 && !this.kindOf.has(topic)) {
        seeks.push(...ends.map((e) => ({ topic, partition: e.partition, offset: e.low })));
        continue;
      }
      for (const e of ends) seeks.push({ topic, partition: e.partition, offset: at.get(`${topic}/${e.partition}`) ?? e.high });
    }
    return seeks;
  }

  /**
   * md.* topics that appeared since the consumer started (a new symbol's trades topic, the pricing
   * topics once a core prices): the consumer restarts to follow them too, every partition read so
   * far continuing where it was.
   */
  private watchTopics(): void {
    if (!this.consumer || this.restarting || this.stopped) return;
    this.restarting = (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      const all = await admin.listTopics().finally(() => admin.disconnect());
      const prefix = mdTopics(this.opts.topicPrefix).trades('');
      const followed = (n: string) => (n.startsWith(prefix) ? this.tradeTopics.has(n) : !this.kindOf.has(n) || this.followedKinds.has(n));
      if (all.every(followed) || this.stopped) return;
      const at = new Map(this.positions);
      await this.consumer?.disconnect();
      await this.follow(at);
    })()
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'edge: could not follow new md.* topics; trying again in 5 s'))
      .finally(() => (this.restarting = undefined));
  }

  private async onMessage(topic: string, m: KafkaMessage): Promise<void> {
    const kind = this.kindOf.get(topic) ?? 'trade';
    if (!this.decoder.isPrepared(m.value)) await this.decoder.prepareWaiting(m.value, (err, attempt) => this.registryWait(err, attempt));
    let value: unknown;
    try {
      value = this.decoder.decodeSync(m.value, MD_RECORD[kind]);
    } catch (err) {
      this.problem(err instanceof WireFormatError ? err.reason : 'undecodable', topic, (err as Error).message);
      return;
    }
    switch (kind) {
      case 'snapshot':
        return this.emit(this.market.onSnapshot(value as MdSnapshot));
      case 'delta': {
        const sent = Number(m.timestamp); // the core's producer stamps each record as it sends it
        this.metrics.edgeLag.observe({ stage: 'transport' }, Date.now() - sent);
        const engineSentUs = (value as MdDelta).engine_send_time_us;
        if (engineSentUs > 0) this.metrics.edgeLag.observe({ stage: 'core' }, sent - engineSentUs / 1000);
        return this.emit(this.market.onDelta(value as MdDelta));
      }
      case 'trade': {
        // a fetch batch's trades go out together (one message per symbol, as a take's on `all`)
        const out = this.market.onTrade(value as MdTrade);
        if (out) this.batchTrades.push(...out.trades);
        return;
      }
      case 'candle':
        return this.emit(this.market.onCandle(value as MdCandle));
      case 'ticker':
        return this.emit(this.market.onTicker(value as MdTicker));
      case 'mark': {
        const v = value as MarkView;
        if (newer(this.marks, v.symbol, v)) this.emitPricing({ marks: [v], indices: [], funding: [] });
        return;
      }
      case 'index': {
        const v = value as IndexView;
        if (newer(this.indices, v.index_symbol, v)) this.emitPricing({ marks: [], indices: [v], funding: [] });
        return;
      }
      case 'funding': {
        const v = value as FundingView;
        if (newer(this.funding, v.symbol, v)) this.emitPricing({ marks: [], indices: [], funding: [v] });
        return;
      }
    }
  }

  private emitPricing(out: PricingOutput): void {
    this.pricing.marks = [...this.marks.values()];
    this.pricing.indices = [...this.indices.values()];
    this.pricing.funding = [...this.funding.values()];
    this.prices.emit(out);
  }

  private emit(out: MarketOutput | undefined): void {
    if (out) this.outputs.emit(out);
  }

  private emitTrades(): void {
    if (this.batchTrades.length === 0) return;
    const trades = this.batchTrades;
    this.batchTrades = [];
    this.outputs.emit({ ...emptyMarketOutput(), trades });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.restarting;
    await Promise.allSettled([this.instruments?.stop(), this.consumer?.disconnect()]);
  }
}

/** Keeps `v` as the latest of `key` unless an equally new or newer one is there; true when kept. */
function newer<T extends { timestamp: number }>(latest: Map<string, T>, key: string, v: T): boolean {
  const prev = latest.get(key);
  if (prev && prev.timestamp > v.timestamp) return false;
  latest.set(key, v);
  return true;
}
