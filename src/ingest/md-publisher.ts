// Turns a batch's outputs into md.* Kafka messages (Avro, Confluent framing, keyed by symbol)
// and DLQ records. Builds messages only; the engine consumer sends them in its transaction.
import type { Admin, Message } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerTopicSchema, type TopicEncoder } from '../contract/avro-codec.js';
import { symbolPartitioner } from '../contract/symbol-partition.js';
import { ensureTopics } from '../contract/topic-setup.js';
import type { MdTopics } from '../contract/topics.js';
import { levelRecords, type Instrument } from '../domain/instrument.js';
import type { TickerView } from '../domain/wire-views.js';
import type { MarketOutput } from '../market/market-output.js';
import { AVRO_INTERVAL, type MdCandle, type MdDelta, type MdSnapshot, type MdTrade } from '../contract/md-wire.js';
import type { BatchOutput } from './market-state.js';

/** A record the service could not use, with where it came from. */
export interface DlqItem {
  reason: string;
  error: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export type TopicMessages = { topic: string; messages: Message[] }[];

/**
 * Each message names its partition, as the default partitioner would choose it from the key
 * (murmur2 of the symbol): the same placement, hashed once per symbol instead of per message.
 */
class SymbolPartitions {
  private readonly cache = new Map<string, number>();
  private readonly partitionOf: (symbol: string) => number;

  constructor(partitionCount: number) {
    this.partitionOf = symbolPartitioner(partitionCount);
  }

  of(symbol: string): number {
    let p = this.cache.get(symbol);
    if (p === undefined) this.cache.set(symbol, (p = this.partitionOf(symbol)));
    return p;
  }
}

export class MdPublisher {
  private readonly tradeEncoders = new Map<string, TopicEncoder<MdTrade>>();
  /** The partition of md.trades.v1.{symbol} its trades go to (0: we create them with one). */
  private readonly tradePartition = new Map<string, number>();
  /** The one preparation in flight: flushes call prepareSymbols concurrently. */
  private preparing: Promise<void> | undefined;

  private constructor(
    private readonly registry: SchemaRegistry,
    /** A fresh admin client per preparation (instruments can come at any time, long after start). */
    private readonly newAdmin: () => Admin,
    private readonly topics: MdTopics,
    private readonly delta: TopicEncoder<MdDelta>,
    private readonly snapshot: TopicEncoder<MdSnapshot>,
    private readonly ohlcv: TopicEncoder<MdCandle>,
    private readonly ticker: TopicEncoder<TickerView>,
    /** Partitions by symbol of the keyed md.* topics (md.trades.v1.{symbol} have one). */
    private readonly partitions: Record<'bookDelta' | 'bookSnapshot' | 'ohlcv' | 'ticker', SymbolPartitions>,
  ) {}

  static async create(registry: SchemaRegistry, admin: Admin, newAdmin: () => Admin, topics: MdTopics, partitions: number): Promise<MdPublisher> {
    await ensureTopics(admin, [topics.bookDelta, topics.bookSnapshot, topics.dlq, topics.ohlcv, topics.ticker].map((topic) => ({ topic, numPartitions: partitions })));
    // a topic made elsewhere may have another partition count than ours would have
    const keyed = [topics.bookDelta, topics.bookSnapshot, topics.ohlcv, topics.ticker];
    const meta = await admin.fetchTopicMetadata({ topics: keyed });
    const partitionsOf = (topic: string) => new SymbolPartitions(meta.topics.find((t) => t.name === topic)!.partitions.length);
    return new MdPublisher(
      registry,
      newAdmin,
      topics,
      await registerTopicSchema<MdDelta>(registry, topics.bookDelta, 'md.orderbook.delta.v1.avsc'),
      await registerTopicSchema<MdSnapshot>(registry, topics.bookSnapshot, 'md.orderbook.snap.v1.avsc'),
      await registerTopicSchema(registry, topics.ohlcv, 'md.ohlcv.v1.avsc'),
      await registerTopicSchema<TickerView>(registry, topics.ticker, 'md.ticker24h.v1.avsc'),
      { bookDelta: partitionsOf(topics.bookDelta), bookSnapshot: partitionsOf(topics.bookSnapshot), ohlcv: partitionsOf(topics.ohlcv), ticker: partitionsOf(topics.ticker) },
    );
  }

  /** Creates md.trades.v1.{symbol} and registers its schema, once per symbol. */
  async prepareSymbols(symbols: Iterable<string>): Promise<void> {
    const all = [...symbols];
    for (;;) {
      const missing = all.filter((s) => !this.tradeEncoders.has(s));
      if (!missing.length) return;
      if (this.preparing) {
        await this.preparing; // then look again: it may have covered these
        continue;
      }
      this.preparing = this.prepare(missing).finally(() => (this.preparing = undefined));
      await this.preparing;
    }
  }

  private async prepare(missing: string[]): Promise<void> {
    const admin = this.newAdmin();
    await admin.connect();
    try {
      await ensureTopics(admin, missing.map((s) => ({ topic: this.topics.trades(s), numPartitions: 1 })));
      const meta = await admin.fetchTopicMetadata({ topics: missing.map((s) => this.topics.trades(s)) });
      for (const s of missing) {
        const count = meta.topics.find((t) => t.name === this.topics.trades(s))!.partitions.length;
        this.tradePartition.set(s, new SymbolPartitions(count).of(s));
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    for (const s of missing) {
      this.tradeEncoders.set(s, await registerTopicSchema<MdTrade>(this.registry, this.topics.trades(s), 'md.trades.v1.avsc'));
    }
  }

  /** Messages for one take's values (encoding only: the values are built once, elsewhere). */
  build(out: MarketOutput, rejected: BatchOutput['rejected'], instrumentOf: (symbol: string) => Instrument | undefined, dlq: DlqItem[]): TopicMessages {
    const result: TopicMessages = [];
    const bySymbolTrades = new Map<string, Message[]>();
    for (const t of out.trades) {
      const enc = this.tradeEncoders.get(t.symbol)!;
      let list = bySymbolTrades.get(t.symbol);
      if (!list) bySymbolTrades.set(t.symbol, (list = []));
      list.push({ key: t.symbol, partition: this.tradePartition.get(t.symbol)!, value: enc.encode(t) });
    }
    for (const [symbol, messages] of bySymbolTrades) result.push({ topic: this.topics.trades(symbol), messages });

    const deltas: Message[] = [];
    for (const d of out.deltas) {
      const inst = instrumentOf(d.symbol)!;
      deltas.push({
        key: d.symbol,
        partition: this.partitions.bookDelta.of(d.symbol),
        value: this.delta.encode({
          symbol: d.symbol,
          sequence: d.sequence,
          prev_sequence: d.prevSequence,
          timestamp: d.timestamp,
          engine_send_time_us: d.sendTimeUs,
          bids: levelRecords(inst, d.bids),
          asks: levelRecords(inst, d.asks),
          checksum: d.checksum,
        }),
      });
    }
    if (deltas.length) result.push({ topic: this.topics.bookDelta, messages: deltas });

    const snaps: Message[] = [];
    // a book that broke goes out as its last levels with status resyncing (an edge stops serving it)
    for (const s of [...(out.breaks ?? []), ...out.snapshots]) {
      const inst = instrumentOf(s.symbol)!;
      snaps.push({
        key: s.symbol,
        partition: this.partitions.bookSnapshot.of(s.symbol),
        value: this.snapshot.encode({ symbol: s.symbol, sequence: s.sequence, timestamp: s.timestamp, reason: s.reason, status: s.status, bids: levelRecords(inst, s.bids), asks: levelRecords(inst, s.asks), checksum: s.checksum }),
      });
    }
    if (snaps.length) result.push({ topic: this.topics.bookSnapshot, messages: snaps });

    const candles: Message[] = [];
    for (const v of out.candles) {
      candles.push({ key: v.symbol, partition: this.partitions.ohlcv.of(v.symbol), value: this.ohlcv.encode({ ...v, interval: AVRO_INTERVAL[v.interval]! }) });
    }
    if (candles.length) result.push({ topic: this.topics.ohlcv, messages: candles });

    const tickers: Message[] = [];
    for (const v of out.tickers) tickers.push({ key: v.symbol, partition: this.partitions.ticker.of(v.symbol), value: this.ticker.encode(v) });
    if (tickers.length) result.push({ topic: this.topics.ticker, messages: tickers });

    const dead: Message[] = dlq.map((d) => ({
      key: d.key,
      value: d.value,
      headers: {
        'dlq.reason': d.reason,
        'dlq.error': d.error.slice(0, 1000),
        'dlq.source.topic': d.sourceTopic,
        'dlq.source.partition': String(d.sourcePartition),
        'dlq.source.offset': d.sourceOffset,
      },
    }));
    for (const r of rejected) {
      dead.push({
        key: r.symbol,
        value: Buffer.from(JSON.stringify(r)),
        headers: { 'dlq.reason': r.reason.split(':')[0]!, 'dlq.error': r.reason, 'dlq.source.topic': 'engine', 'dlq.source.partition': '-1', 'dlq.source.offset': '-1' },
      });
    }
    if (dead.length) result.push({ topic: this.topics.dlq, messages: dead });
    return result;
  }
}
