// Publishes the venue streams whose `publish` knob is on to the md.venue.* topics (Avro, keyed by
// venue symbol): trades, book deltas with a snapshot at every (re)build and periodically, tickers,
// perpetuals' mark and funding, liquidations; and each published symbol's instrument (compacted),
// so that an edge can rebuild them.
// Not transactional: a venue feed has no offsets to commit with it. Batched every 50 ms; while
// Kafka is away at most `maxQueued` records wait (the oldest dropped and counted beyond that).
import type { Kafka, Message, Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerTopicSchema, type TopicEncoder } from '../contract/avro-codec.js';
import { ensureTopics } from '../contract/topic-setup.js';
import { venueTopics } from '../contract/topics.js';
import {
  venueDeltaRecord,
  venueFundingRecord,
  venueLiquidationRecord,
  venueSnapshotRecord,
  venueTickerRecord,
  venueTradeRecord,
  venueInstrumentRecord,
  type VenueBookRecord,
  type VenueFundingRecord,
  type VenueLiquidationRecord,
  type VenueTickerRecord,
  type VenueTradeRecord,
} from '../contract/venue-wire.js';
import type { WireInstrument } from '../contract/engine-wire.js';
import type { MarketOutput } from '../market/market-output.js';
import type { Logger } from '../obs/logger.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import type { VenueKind } from './venue.js';
import type { Metrics } from '../obs/metrics.js';
import type { VenueStreams } from './venue-streams.js';

interface Encoders {
  trades: TopicEncoder<VenueTradeRecord>;
  book: TopicEncoder<VenueBookRecord>;
  ticker: TopicEncoder<VenueTickerRecord>;
  funding: TopicEncoder<VenueFundingRecord>;
  liquidations: TopicEncoder<VenueLiquidationRecord>;
  instruments: TopicEncoder<WireInstrument>;
}

export class VenuePublisher {
  private readonly topics: ReturnType<typeof venueTopics>;
  private producer: Producer | undefined;
  private enc: Encoders | undefined;
  private queue: { topic: string; message: Message }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  /** Books whose readers have a base: a delta of any other is preceded by a snapshot. */
  private based = new Set<string>();
  /** Symbols whose instrument has been published. */
  private announced = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistry,
    topicPrefix: string,
    private readonly streams: VenueStreams,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts = { partitions: 8, snapshotIntervalMs: 10_000, maxQueued: 100_000 },
  ) {
    this.topics = venueTopics(topicPrefix);
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const compacted = [{ name: 'cleanup.policy', value: 'compact' }];
      await ensureTopics(
        admin,
        Object.values(this.topics).map((topic) => (topic === this.topics.instruments ? { topic, numPartitions: 1, configEntries: compacted } : { topic, numPartitions: this.opts.partitions })),
      );
    } finally {
      await admin.disconnect();
    }
    this.enc = {
      trades: await registerTopicSchema(this.registry, this.topics.trades, 'md.venue.trades.v1.avsc'),
      book: await registerTopicSchema(this.registry, this.topics.book, 'md.venue.book.v1.avsc'),
      ticker: await registerTopicSchema(this.registry, this.topics.ticker, 'md.venue.ticker.v1.avsc'),
      funding: await registerTopicSchema(this.registry, this.topics.funding, 'md.venue.funding.v1.avsc'),
      liquidations: await registerTopicSchema(this.registry, this.topics.liquidations, 'md.venue.liquidations.v1.avsc'),
      instruments: await registerTopicSchema(this.registry, this.topics.instruments, 'md.instrument.v1.avsc'),
    };
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.timer = setInterval(() => void this.flush(), 50);
    this.snapshotTimer = setInterval(() => this.periodicSnapshots(), this.opts.snapshotIntervalMs);
  }

  /** One take of venue outputs: what a publishing stream brought goes to its topic. */
  onOutput(out: MarketOutput): void {
    const enc = this.enc;
    if (!enc) return;
    const now = Date.now();
    const publishes = (symbol: string, kind: VenueKind) => this.publishes(symbol, kind);
    const market = this.streams.market;
    for (const t of out.trades) if (publishes(t.symbol, 'trades')) this.push(this.topics.trades, t.symbol, enc.trades.encode(venueTradeRecord(t)));
    for (const s of out.snapshots) {
      const inst = market.instrument(s.symbol);
      if (!inst || !publishes(s.symbol, 'book')) continue;
      this.push(this.topics.book, s.symbol, enc.book.encode(venueSnapshotRecord(inst, s, now)));
      this.based.add(s.symbol);
    }
    for (const s of out.breaks ?? []) {
      const inst = market.instrument(s.symbol);
      // an edge marks the book resyncing; the next snapshot is its base again
      if (inst && publishes(s.symbol, 'book') && this.based.has(s.symbol)) this.push(this.topics.book, s.symbol, enc.book.encode(venueSnapshotRecord(inst, s, now)));
    }
    for (const d of out.deltas) {
      const inst = market.instrument(d.symbol);
      if (!inst || !publishes(d.symbol, 'book')) {
        this.based.delete(d.symbol);
        continue;
      }
      if (!this.based.has(d.symbol)) {
        // publishing just turned on: the book as it is now is the base (the delta is already in it)
        const snap = market.snapshot(d.symbol, now);
        if (snap) this.push(this.topics.book, d.symbol, enc.book.encode(venueSnapshotRecord(inst, { ...snap, reason: 'start' }, now)));
        this.based.add(d.symbol);
        continue;
      }
      this.push(this.topics.book, d.symbol, enc.book.encode(venueDeltaRecord(inst, d)));
    }
    for (const t of out.tickers) if (publishes(t.symbol, 'ticker')) this.push(this.topics.ticker, t.symbol, enc.ticker.encode(venueTickerRecord(t, now)));
    for (const l of out.liquidations ?? []) {
      if (!publishes(l.symbol, 'liquidations')) continue;
      const receivedAt = Math.floor(l.sentUs / 1000);
      for (const one of l.data) this.push(this.topics.liquidations, l.symbol, enc.liquidations.encode(venueLiquidationRecord(l.symbol, one, receivedAt)));
    }
  }

  /** A funding update of venue perpetuals (mark, index and rate arrive together). */
  onPricing(out: PricingOutput): void {
    const enc = this.enc;
    if (!enc) return;
    const now = Date.now();
    for (const f of out.funding) {
      const mark = out.marks.find((m) => m.symbol === f.symbol);
      const record = mark && this.publishes(f.symbol, 'funding') ? venueFundingRecord(mark, f, now) : undefined;
      if (record) this.push(this.topics.funding, f.symbol, enc.funding.encode(record));
    }
  }

  private publishes(symbol: string, kind: VenueKind): boolean {
    return this.streams.specOf(symbol, kind)?.publish === true;
  }

  /** The instrument of a symbol before its first record (and again with every periodic snapshot round). */
  private announce(symbol: string): void {
    const inst = this.streams.market.instrument(symbol);
    if (!inst || !this.enc) return;
    this.announced.add(symbol);
    this.push(this.topics.instruments, symbol, this.enc.instruments.encode(venueInstrumentRecord(inst, Date.now())));
  }

  private periodicSnapshots(): void {
    const enc = this.enc;
    if (!enc) return;
    const now = Date.now();
    this.announced.clear(); // the compacted topic keeps the latest; a symbol gone is not announced again
    for (const s of this.streams.list()) {
      if (s.spec.kind !== 'book' || !s.spec.publish) continue;
      const inst = this.streams.market.instrument(s.symbol);
      const snap = this.streams.market.snapshot(s.symbol, now);
      if (inst && snap) this.push(this.topics.book, s.symbol, enc.book.encode(venueSnapshotRecord(inst, snap, now)));
    }
  }

  private push(topic: string, key: string, value: Buffer): void {
    if (topic !== this.topics.instruments && !this.announced.has(key)) this.announce(key);
    this.queue.push({ topic, message: { key, value } });
    const over = this.queue.length - this.opts.maxQueued;
    if (over > 0) {
      this.queue.splice(0, over);
      this.metrics.storeDropped.inc({ repository: 'kafka_md_venue' }, over);
    }
  }

  private flush(): Promise<void> {
    if (this.sending || !this.producer || this.queue.length === 0) return this.sending ?? Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(message);
    }
    this.sending = this.producer
      .sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
      .then(() => undefined)
      .catch((err: Error) => {
        // back to the front of the queue, in order; the bound applies
        this.queue = [...batch, ...this.queue].slice(-this.opts.maxQueued);
        this.log.warn({ err: err.message, records: batch.length }, 'md.venue.* publish failed; retrying');
      })
      .finally(() => (this.sending = undefined));
    return this.sending;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.snapshotTimer);
    await this.sending;
    await this.flush();
    await this.producer?.disconnect().catch(() => undefined);
  }
}
