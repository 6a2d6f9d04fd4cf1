// Turns a batch's outputs into md.* Kafka messages (Avro, Confluent framing, keyed by symbol)
// and DLQ records. Builds messages only; the engine consumer sends them in its transaction.
import type { Admin, Message } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerTopicSchema, type TopicEncoder } from '../contract/avro-codec.js';
import { symbolPartitioner } from '../contract/symbol-partition.js';
import { ensureTopics } from '../contract/topic-setup.js';
import type { MdTopics } from '../contract/topics.js';
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import { levelRecords } from '../domain/instrument.js';
import { candleView, tickerView, type CandleView, type TickerView } from '../domain/wire-views.js';
import type { BatchOutput, MarketState } from './market-state.js';

interface WireLevelOut {
  price: string;
  quantity: string;
}

interface MdTrade {
  symbol: string;
  trade_id: string;
  sequence: number;
  price: string;
  quantity: string;
  taker_side: 'buy' | 'sell';
  maker_order_id: string;
  taker_order_id: string;
  timestamp: number;
  engine_send_time_us: number;
}

interface MdDelta {
  symbol: string;
  sequence: number;
  prev_sequence: number;
  timestamp: number;
  engine_send_time_us: number;
  bids: WireLevelOut[];
  asks: WireLevelOut[];
  checksum: number;
}

interface MdSnapshot {
  symbol: string;
  sequence: number;
  timestamp: number;
  reason: 'start' | 'resync' | 'periodic' | 'resume';
  status: 'in_sync' | 'resyncing' | 'halted';
  bids: WireLevelOut[];
  asks: WireLevelOut[];
  checksum: number;
}

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


/** Avro enum symbols cannot start with a digit. */
const AVRO_INTERVAL: Record<string, string> = { '1m': 'm1', '5m': 'm5', '15m': 'm15', '1h': 'h1', '4h': 'h4', '1d': 'd1' };

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
    private readonly ohlcv: TopicEncoder<Omit<CandleView, 'interval'> & { interval: string }>,
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

  /** Messages for one batch output; snapshots are built from `state`'s books as they are now. */
  build(out: BatchOutput, state: MarketState, dlq: DlqItem[]): TopicMessages {
    const result: TopicMessages = [];
    const bySymbolTrades = new Map<string, Message[]>();
    for (const t of out.trades) {
      const enc = this.tradeEncoders.get(t.symbol)!;
      const list = bySymbolTrades.get(t.symbol) ?? [];
      bySymbolTrades.set(t.symbol, list);
      list.push({
        key: t.symbol,
        partition: this.tradePartition.get(t.symbol)!,
        value: enc.encode({
          symbol: t.symbol,
          trade_id: t.trade.trade_id,
          sequence: t.sequence,
          price: t.trade.price,
          quantity: t.trade.quantity,
          taker_side: t.trade.taker_side,
          maker_order_id: t.trade.maker_order_id,
          taker_order_id: t.trade.taker_order_id,
          timestamp: t.timestamp,
          engine_send_time_us: t.sendTimeUs,
        }),
      });
    }
    for (const [symbol, messages] of bySymbolTrades) result.push({ topic: this.topics.trades(symbol), messages });

    const deltas: Message[] = [];
    for (const d of out.deltas.values()) {
      const inst = state.instrument(d.symbol)!;
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
          checksum: bookChecksum(state.books.book(d.symbol)!, inst.tick, inst.lot, CHECKSUM_DEPTH),
        }),
      });
    }
    if (deltas.length) result.push({ topic: this.topics.bookDelta, messages: deltas });

    const snaps: Message[] = [];
    for (const [symbol, s] of out.snapshots) {
      const inst = state.instrument(symbol)!;
      const book = state.books.book(symbol)!;
      const d = book.depth(Infinity);
      snaps.push({
        key: symbol,
        partition: this.partitions.bookSnapshot.of(symbol),
        value: this.snapshot.encode({
          symbol,
          sequence: s.sequence,
          timestamp: Date.now(),
          reason: s.reason,
          status: state.status(symbol) ?? 'resyncing',
          bids: levelRecords(inst, d.bids),
          asks: levelRecords(inst, d.asks),
          checksum: bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH),
        }),
      });
    }
    if (snaps.length) result.push({ topic: this.topics.bookSnapshot, messages: snaps });

    const candles: Message[] = [];
    for (const { symbol, candle } of [...out.candles, ...out.candleUpdates]) {
      const v = candleView(state.instrument(symbol)!, candle);
      candles.push({ key: symbol, partition: this.partitions.ohlcv.of(symbol), value: this.ohlcv.encode({ ...v, interval: AVRO_INTERVAL[v.interval] }) });
    }
    if (candles.length) result.push({ topic: this.topics.ohlcv, messages: candles });

    // The 24h window follows the engine clock (as candles do), not this machine's.
    const now = state.aggregates.engineNow(Date.now());
    const tickers: Message[] = [];
    for (const symbol of out.tickers) {
      const inst = state.instrument(symbol);
      const t = state.aggregates.ticker(symbol);
      if (!inst) continue;
      const stats = t ? t.stats(now) : { openTime: now - 86_400_000, closeTime: now, open: undefined, high: undefined, low: undefined, last: undefined, volume: 0, quoteVolume: 0n, count: 0 };
      tickers.push({ key: symbol, partition: this.partitions.ticker.of(symbol), value: this.ticker.encode(tickerView(inst, stats, state.books.book(symbol), state.openInterest.get(symbol) ?? null, now)) });
    }
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
    for (const r of out.rejected) {
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
