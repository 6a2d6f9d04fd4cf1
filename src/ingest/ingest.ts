// Wires the ingest path: side topics first (instruments, then the latest engine snapshots), then
// the engine event consumer; timers for sequencing housekeeping and periodic md snapshots.
import { RESYNC_REASONS } from './book-sync.js';
import { INTERVAL_NAMES } from '../domain/candle.js';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { AvroDecoder, WireFormatError } from '../contract/avro-codec.js';
import type { WireBookHash, WireBookSnapshot, WireInstrument, WireInstrumentStatus } from '../contract/engine-wire.js';
import { ensureEngineTopics } from '../contract/topic-setup.js';
import { engineTopics, INSTRUMENT_ROLES, mdTopics, RECORD_NAME, type TopicRole } from '../contract/topics.js';
import type { Config } from '../config.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { Tracing } from '../obs/tracing.js';
import { EngineConsumer } from './engine-consumer.js';
import { MarketState, type IngestObserver } from './market-state.js';
import type { MarketOutput } from '../market/market-output.js';
import { OutputBus } from '../market/output-bus.js';
import { MdPublisher } from './md-publisher.js';
import { TopicTail } from './topic-tail.js';
import type { Persister } from '../store/persister.js';

export class Ingest {
  readonly state: MarketState;
  /** The in-process output source: every take's values (hub, Redis latest). */
  private readonly outputs: OutputBus<MarketOutput>;
  private consumer: EngineConsumer | undefined;
  private readonly tails: TopicTail[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly decoder: AvroDecoder;

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistry,
    private readonly cfg: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly persister?: Persister,
    /** Rebuilds candles and tickers of symbols from stored trades before their events are consumed (partitions gained, a restart). */
    private readonly restore?: (state: MarketState, symbols: string[]) => Promise<number>,
    private readonly tracing: Tracing = Tracing.disabled(),
  ) {
    this.decoder = new AvroDecoder(registry);
    this.outputs = new OutputBus(log);
    this.state = new MarketState(this.observer());
  }

  private observer(): IngestObserver {
    const m = this.metrics;
    const log = this.log;
    return {
      listed: (symbol) => {
        m.duplicates.inc({ symbol }, 0);
        m.seqGaps.inc({ symbol }, 0);
        m.lateTrades.inc({ symbol }, 0);
        for (const reason of RESYNC_REASONS) m.resyncs.inc({ symbol, reason }, 0);
        for (const interval of INTERVAL_NAMES) m.candlesClosed.inc({ symbol, interval }, 0);
      },
      duplicate: (symbol) => m.duplicates.inc({ symbol }),
      gap: (symbol, missing) => m.seqGaps.inc({ symbol }, missing),
      resync: (symbol, reason, detail) => {
        m.resyncs.inc({ symbol, reason });
        log.warn({ symbol, event_type: 'resync', reason, detail }, 'book resync from engine snapshot');
      },
      hash: (_symbol, result) => m.hashChecks.inc({ result }),
      rejected: (_symbol, reason) => m.rejected.inc({ reason }),
      candleClosed: (symbol, interval) => m.candlesClosed.inc({ symbol, interval }),
      lateTrade: (symbol) => m.lateTrades.inc({ symbol }),
    };
  }

  onOutput(listener: (out: MarketOutput) => void): void {
    this.outputs.on(listener);
  }

  /** Starts everything; on failure stops what it started, so it can be called again. */
  async start(): Promise<void> {
    try {
      await this.startOnce();
    } catch (err) {
      await this.stop().catch((e: Error) => this.log.warn({ err: e.message }, 'stopping after a failed start'));
      throw err;
    }
  }

  private async startOnce(): Promise<void> {
    this.tails.length = 0;
    const topics = engineTopics(this.cfg.topicPrefix);
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureEngineTopics(admin, topics, this.cfg.topicPartitions);
    const publisher = await MdPublisher.create(this.registry, admin, () => this.kafka.admin(), mdTopics(this.cfg.topicPrefix), this.cfg.topicPartitions);
    const consumer = new EngineConsumer(this.kafka, this.decoder, this.state, publisher, this.metrics, this.log, {
      eventsTopic: topics.events,
      groupId: this.cfg.kafkaGroupId,
      transactionalId: this.cfg.kafkaTransactionalId,
      maxUncommittedEvents: this.cfg.ingestMaxUncommittedEvents,
      sessionTimeoutMs: this.cfg.kafkaSessionTimeoutMs,
      transactionTimeoutMs: this.cfg.kafkaTransactionTimeoutMs,
      transactionMs: this.cfg.mdTransactionMs,
      restore: this.restore,
    }, this.outputs, this.persister, this.tracing);
    this.consumer = consumer;

    const roleOf = new Map<string, TopicRole>(Object.entries(topics).map(([role, t]) => [t, role as TopicRole]));
    const side = async (topic: string, partition: number, m: KafkaMessage) => {
      const role = roleOf.get(topic)!;
      this.metrics.kafkaConsumed.inc({ topic });
      try {
        const value = await this.decoder.decode<unknown>(m.value, RECORD_NAME[role], (err, attempt) => consumer.registryWait(err, attempt));
        if (role === 'snapshots') this.state.onSnapshot(value as WireBookSnapshot);
        else if (role === 'bookhashes') this.state.onHash(value as WireBookHash);
        else if (role === 'instrumentHalt' || role === 'instrumentResume') this.state.onStatus(value as WireInstrumentStatus);
        else this.state.onInstrument(value as WireInstrument);
      } catch (err) {
        const reason = err instanceof WireFormatError ? err.reason : 'bad_avro';
        consumer.deadLetter({ reason, error: (err as Error).message, sourceTopic: topic, sourcePartition: partition, sourceOffset: m.offset, key: m.key, value: m.value });
      }
    };
    const group = this.cfg.kafkaGroupId;
    const instruments = new TopicTail(this.kafka, `${group}-instruments`, INSTRUMENT_ROLES.map((r) => topics[r]), true, side, this.log);
    const snapshots = new TopicTail(this.kafka, `${group}-snapshots`, [topics.snapshots], true, side, this.log);
    const hashes = new TopicTail(this.kafka, `${group}-bookhashes`, [topics.bookhashes], false, side, this.log);
    this.tails.push(instruments, snapshots, hashes);

    // Start-up order: every instrument, then the latest snapshot of every book, then events.
    await instruments.start();
    await instruments.caughtUp;
    await snapshots.start();
    await snapshots.caughtUp;
    await hashes.start();
    await publisher.prepareSymbols(this.state.symbols());
    await admin.disconnect();
    this.log.info({ symbols: this.state.symbols().length }, 'instruments and snapshots loaded; joining the consumer group');
    await consumer.start();

    this.timers.push(
      setInterval(() => {
        this.state.tick(Date.now());
        this.metrics.booksOutOfSync.set(this.state.symbols().filter((s) => this.state.status(s) === 'resyncing').length);
        void consumer.flush().catch((err) => this.log.error({ err: (err as Error).message }, 'flush failed'));
      }, 100),
      setInterval(() => {
        this.state.snapshotAll('periodic');
        this.state.markOpenCandles();
      }, this.cfg.mdSnapshotIntervalMs),
      setInterval(() => this.state.markCandleUpdates(), 250),
      setInterval(() => this.state.markTickers(), 1000),
    );
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.allSettled(this.tails.map((t) => t.stop()));
    const consumer = this.consumer;
    this.consumer = undefined;
    // a failed final flush is the caller's to report: what it held is not stored nor committed
    await consumer?.stop();
  }
}
