// An edge's second output source: the outside venues' streams that a ROLE=all process publishes
// (md.venue.*, with `publish` on), read back into an EdgeMarket of venue symbols, so an edge
// serves them with the same seq, prev_seq, checksums and trade sequences as the process that
// follows the venue. Start: every venue instrument (compacted topic), then books from two
// snapshot intervals back, tickers and prices 10 s back, trades a minute back, liquidations ten
// minutes back. While no process publishes venue streams the topics do not exist: the follower
// looks for them every 10 s. Nothing is committed.
import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { AvroDecoder, WireFormatError } from '../contract/avro-codec.js';
import type { WireInstrument } from '../contract/engine-wire.js';
import { venueTopics } from '../contract/topics.js';
import {
  bookOfVenueRecord,
  fundingOfVenueRecord,
  liquidationOfVenueRecord,
  tickerOfVenueRecord,
  tradeOfVenueRecord,
  VENUE_RECORD,
  type VenueBookRecord,
  type VenueFundingRecord,
  type VenueLiquidationRecord,
  type VenueTickerRecord,
  type VenueTradeRecord,
} from '../contract/venue-wire.js';
import { TopicTail } from '../ingest/topic-tail.js';
import { emptyMarketOutput, type MarketOutput } from '../market/market-output.js';
import { OutputBus } from '../market/output-bus.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import { venuePricing } from '../venues/venue-pricing.js';
import type { EdgeMarket } from './edge-market.js';

type Kind = Exclude<keyof typeof VENUE_RECORD, 'instruments'>;

export interface VenueFollowerOptions {
  topicPrefix: string;
  snapshotIntervalMs: number;
}

export class VenueFollower {
  private readonly decoder: AvroDecoder;
  private readonly outputs: OutputBus<MarketOutput>;
  private readonly prices: OutputBus<PricingOutput>;
  private readonly latestPrices = new Map<string, PricingOutput>();
  private readonly topics: ReturnType<typeof venueTopics>;
  private readonly kindOf: Map<string, Kind>;
  private instruments: TopicTail | undefined;
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    registry: SchemaRegistry,
    private readonly market: EdgeMarket,
    private readonly opts: VenueFollowerOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** A record the edge could not use (counted and logged once per cause by the md.* follower). */
    private readonly problem: (cause: string, topic: string, detail: string) => void,
  ) {
    this.decoder = new AvroDecoder(registry);
    this.outputs = new OutputBus(log);
    this.prices = new OutputBus(log);
    this.topics = venueTopics(opts.topicPrefix);
    const t = this.topics;
    this.kindOf = new Map<string, Kind>([[t.book, 'book'], [t.trades, 'trades'], [t.ticker, 'ticker'], [t.funding, 'funding'], [t.liquidations, 'liquidations']]);
  }

  onOutput(listener: (out: MarketOutput) => void): void {
    this.outputs.on(listener);
  }

  onPricing(listener: (out: PricingOutput) => void): void {
    this.prices.on(listener);
  }

  /** The latest mark, index and funding of every venue perpetual followed. */
  pricing(): PricingOutput {
    const all = [...this.latestPrices.values()];
    return { marks: all.flatMap((p) => p.marks), indices: all.flatMap((p) => p.indices), funding: all.flatMap((p) => p.funding) };
  }

  /** Follows md.venue.* if a process publishes them, or looks for them every 10 s until one does. */
  async start(): Promise<void> {
    if (await this.tryStart()) return;
    this.timer = setInterval(() => {
      if (this.consumer || this.stopped) return;
      void this.tryStart().catch((err: Error) => this.log.warn({ err: err.message }, 'edge: md.venue.* not followed yet; trying again in 10 s'));
    }, 10_000);
  }

  private async tryStart(): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    let seeks: { topic: string; partition: number; offset: string }[] = [];
    try {
      const all = new Set(await admin.listTopics());
      if (!all.has(this.topics.instruments) || ![...this.kindOf.keys()].every((t) => all.has(t))) return false;
      const now = Date.now();
      const back: Record<Kind, number> = { book: this.opts.snapshotIntervalMs * 2 + 5000, ticker: 10_000, funding: 10_000, trades: 60_000, liquidations: 600_000 };
      for (const [topic, kind] of this.kindOf) {
        const at = await admin.fetchTopicOffsetsByTimestamp(topic, now - back[kind]);
        const ends = await admin.fetchTopicOffsets(topic);
        for (const p of at) seeks.push({ topic, partition: p.partition, offset: BigInt(p.offset) < 0n ? ends.find((e) => e.partition === p.partition)!.high : p.offset });
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (this.stopped) return true;
    const instruments = new TopicTail(this.kafka, `edge-venue-instruments`, [this.topics.instruments], true, async (topic, _p, m) => {
      const w = await this.decode<WireInstrument>(topic, m, VENUE_RECORD.instruments);
      if (w) this.market.onInstrument(w);
    });
    this.instruments = instruments;
    await instruments.start();
    await instruments.caughtUp;
    const consumer = this.kafka.consumer({ groupId: `edge-venues-${randomUUID()}`, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.kindOf.keys()], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async ({ topic, message }) => this.onMessage(topic, message) });
    for (const s of seeks) consumer.seek(s);
    this.consumer = consumer;
    this.log.info({ topics: [...this.kindOf.keys()] }, 'edge: following md.venue.*');
    return true;
  }

  private async decode<T>(topic: string, m: KafkaMessage, record: string): Promise<T | undefined> {
    this.metrics.kafkaConsumed.inc({ topic });
    try {
      return await this.decoder.decode<T>(m.value, record, (err, attempt) => {
        this.metrics.registryWaits.inc();
        if (attempt === 1 || attempt % 30 === 0) this.log.warn({ err: err.message, attempt }, 'edge: schema registry unavailable; the message waits for it');
      });
    } catch (err) {
      this.problem(err instanceof WireFormatError ? err.reason : 'undecodable', topic, (err as Error).message);
      return undefined;
    }
  }

  private async onMessage(topic: string, m: KafkaMessage): Promise<void> {
    const kind = this.kindOf.get(topic)!;
    const value = await this.decode<unknown>(topic, m, VENUE_RECORD[kind]);
    if (value === undefined) return;
    switch (kind) {
      case 'book': {
        const b = bookOfVenueRecord(value as VenueBookRecord);
        return this.emit('snapshot' in b ? this.market.onSnapshot(b.snapshot) : this.market.onDelta(b.delta));
      }
      case 'trades':
        return this.emit(this.market.onTrade(tradeOfVenueRecord(value as VenueTradeRecord)));
      case 'ticker':
        return this.emit(this.market.onTicker(tickerOfVenueRecord(value as VenueTickerRecord)));
      case 'liquidations': {
        const r = value as VenueLiquidationRecord;
        if (this.market.instrument(r.venue_symbol)?.kind !== 'perpetual') return;
        return this.emit({ ...emptyMarketOutput(), liquidations: [{ symbol: r.venue_symbol, data: [liquidationOfVenueRecord(r)], sentUs: r.receive_time * 1000 }] });
      }
      case 'funding': {
        const r = value as VenueFundingRecord;
        const terms = this.market.instrument(r.venue_symbol)?.perpetual;
        const prev = this.latestPrices.get(r.venue_symbol);
        if (!terms || (prev && prev.marks[0]!.timestamp > r.exchange_time)) return;
        const out = venuePricing(r.venue_symbol, terms, fundingOfVenueRecord(r), r.receive_time);
        this.latestPrices.set(r.venue_symbol, out);
        this.prices.emit(out);
        return;
      }
    }
  }

  private emit(out: MarketOutput | undefined): void {
    if (out) this.outputs.emit(out);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([this.instruments?.stop(), this.consumer?.disconnect()]);
  }
}
