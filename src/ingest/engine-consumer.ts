// The hot path's source: a consumer group on engine.event.v1, decoding each batch into
// MarketState, then taking the state's output: values to the output bus at once (clients), md.*
// messages, store rows and safe offsets to the commit pipeline (one Kafka transaction per round;
// see commit-pipeline.ts, offset-tracker.ts and docs/INGEST.md). Rebalances: what was processed
// commits before partitions move; gained partitions start from their committed offsets.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { WireFormatError, type AvroDecoder } from '../contract/avro-codec.js';
import type { WireEngineEvent } from '../contract/engine-wire.js';
import { symbolPartitioner } from '../contract/symbol-partition.js';
import { RECORD_NAME } from '../contract/topics.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { Tracing } from '../obs/tracing.js';
import { EventStep } from './event-step.js';
import type { MarketState } from './market-state.js';
import type { MarketOutput } from '../market/market-output.js';
import { buildMarketOutput } from './output-builder.js';
import { setRebalanceHooks } from './kafkajs-rebalance-hooks.js';
import { TradeWatermarks } from './trade-watermarks.js';
import type { DlqItem, MdPublisher } from './md-publisher.js';
import type { Persister } from '../store/persister.js';
import type { OutputBus } from '../market/output-bus.js';
import { CommitPipeline } from './commit-pipeline.js';
import { OffsetTracker } from './offset-tracker.js';
import { KafkaRoundProducers } from './round-producers.js';

export interface EngineConsumerOptions {
  eventsTopic: string;
  groupId: string;
  transactionalId: string;
  /** Processed events allowed to wait for a transaction before the consumer stops fetching. */
  maxUncommittedEvents: number;
  /** A member silent this long leaves the group and its partitions move (the takeover bound). */
  sessionTimeoutMs: number;
  /** An open transaction of a dead producer is aborted after this (edges read md.* committed: they wait for it). */
  transactionTimeoutMs: number;
  /** How long a md.* transaction stays open taking more outputs before it commits. */
  transactionMs: number;
  /** Rebuilds candles and tickers of these symbols from stored trades (partitions this instance gains). */
  restore?: (state: MarketState, symbols: string[]) => Promise<number>;
}

/** How long a rebalance may wait for this instance to commit what it processed. */
const REVOKE_DRAIN_MS = 20_000;

export class EngineConsumer {
  private consumer: Consumer | undefined;
  private readonly producers: KafkaRoundProducers;
  private readonly offsets = new OffsetTracker();
  private readonly watermarks = new TradeWatermarks();
  private readonly pipeline: CommitPipeline;
  private pendingDlq: DlqItem[] = [];
  private paused = false;
  /** Set when stop() begins: no batch is processed after it (what is left is replayed at the next start). */
  private stopping = false;
  private readonly step: EventStep;
  /** Partitions of the events topic assigned to this instance. */
  private assigned = new Set<number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly decoder: AvroDecoder,
    private readonly state: MarketState,
    private readonly publisher: MdPublisher,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: EngineConsumerOptions,
    /** Told of every take's values, synchronously, before they go to the stores and Kafka. */
    private readonly bus: OutputBus<MarketOutput>,
    /** Makes a flush's rows durable before its transaction. */
    private readonly persister?: Persister,
    private readonly tracing: Tracing = Tracing.disabled(),
  ) {
    this.step = new EventStep(state, tracing, log);
    this.producers = new KafkaRoundProducers(kafka, opts);
    this.pipeline = new CommitPipeline(this.producers, () => this.committedOffsets(), this.offsets, this.watermarks, (ps) => state.symbolsByPartition(ps), (s) => state.partitionOfSymbol(s), opts, log, persister, {
      stage: (stage, ms) => metrics.roundStage.observe({ stage }, ms),
      failedAttempt: () => metrics.publishFailures.inc(),
    }, opts.transactionMs);
  }

  /** The group's committed offsets of `partitions` (what a settled transaction left). */
  private async committedOffsets(): Promise<Map<number, { offset: string; metadata: string | null }>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [c] = await admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.eventsTopic] });
      return new Map((c?.partitions ?? []).map((p) => [p.partition, { offset: p.offset, metadata: p.metadata }]));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async start(): Promise<void> {
    await this.producers.start();
    this.consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      readUncommitted: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // kafkajs idles this long when every partition is paused (and the broker holds an empty fetch
      // this long): short, so consumption resumes at once after a pause for a slow store.
      maxWaitTimeInMs: 100,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 6)),
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    const admin = this.kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [this.opts.eventsTopic] }).finally(() => admin.disconnect());
    this.state.setSymbolPartitioner(symbolPartitioner(meta.topics[0]!.partitions.length));
    await this.consumer.subscribe({ topic: this.opts.eventsTopic, fromBeginning: true });
    this.consumer.on(this.consumer.events.FETCH, () => this.state.noteFetch(Date.now()));
    setRebalanceHooks(this.opts.groupId, {
      // everything processed from partitions about to move is committed first: the next owner
      // starts exactly after it (nothing published twice); bounded, so a store outage cannot hold the group
      beforeRevoke: async () => {
        const drained = await Promise.race([this.flush().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), REVOKE_DRAIN_MS))]);
        if (!drained) this.log.warn({ waited_ms: REVOKE_DRAIN_MS }, 'rebalance: pending outputs not committed in time; the next owner may publish some again');
      },
      afterAssign: (assigned) => this.onAssigned(assigned[this.opts.eventsTopic] ?? []),
    });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
  }

  /**
   * Joined the group with `partitions`: symbols of partitions gained start afresh (their stream
   * position, candles and tickers come from the committed offsets and the stored trades, since
   * another core may have moved them on), and the state publishes only what it owns.
   */
  private async onAssigned(partitions: number[]): Promise<void> {
    this.log.info({ partitions }, 'engine consumer joined group');
    const gained = partitions.filter((p) => !this.assigned.has(p));
    this.assigned = new Set(partitions);
    this.offsets.keepOnly(this.assigned);
    this.state.setAssignedPartitions(partitions);
    const symbols = this.state.symbolsOfPartitions(gained);
    for (const s of symbols) this.state.restartStream(s);
    await this.loadWatermarks(gained);
    if (this.opts.restore && symbols.length) {
      const restored = await this.opts.restore(this.state, symbols);
      this.log.info({ partitions: gained, symbols: symbols.length, restored }, 'candles and tickers of gained partitions restored from stored trades');
    }
    void this.markIdlePartitionsCaughtUp(partitions).catch((err) => this.log.warn({ err: (err as Error).message }, 'could not read consumer lag'));
  }

  /** The last published trade of each symbol of `partitions`, from their committed offsets' metadata. */
  private async loadWatermarks(partitions: number[]): Promise<void> {
    if (!partitions.length) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.eventsTopic] });
      for (const p of committed?.partitions ?? []) {
        if (!partitions.includes(p.partition)) continue;
        // where this instance starts: a round that cannot move the offset commits it again (with new marks)
        if (p.offset !== '-1') this.offsets.committedAt([{ partition: p.partition, offset: p.offset }]);
        for (const [symbol, seq] of this.watermarks.load(p.metadata)) this.state.setPublishedTradeMark(symbol, seq);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * A partition with nothing to read delivers no batch, so nothing else would say it is caught
   * up: those whose committed offset is already at the end are marked so right after a join.
   */
  private async markIdlePartitionsCaughtUp(partitions: number[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.eventsTopic] });
      const ends = await admin.fetchTopicOffsets(this.opts.eventsTopic);
      for (const p of partitions) {
        const end = BigInt(ends.find((x) => x.partition === p)?.high ?? '0');
        const low = BigInt(ends.find((x) => x.partition === p)?.low ?? '0');
        const at = committed?.partitions.find((x) => x.partition === p)?.offset ?? '-1';
        const next = at === '-1' ? low : BigInt(at);
        if (next >= end && !this.offsets.hasProcessed(p)) this.state.setPartitionCaughtUp(p, true);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** A message waits for the schema registry: counted, logged on the first try and every 30th, the group kept alive. */
  registryWait(err: Error, attempt: number, heartbeat?: () => Promise<void>): Promise<void> | undefined {
    this.metrics.registryWaits.inc();
    if (attempt === 1 || attempt % 30 === 0) this.log.warn({ err: err.message, attempt }, 'schema registry unavailable; the message waits for it');
    return heartbeat?.().catch(() => undefined);
  }

  /** A record from a side topic that could not be used: published with the next flush. */
  deadLetter(item: DlqItem): void {
    this.pendingDlq.push(item);
    this.metrics.dlq.inc({ topic: item.sourceTopic, reason: item.reason });
    this.log.debug({ topic: item.sourceTopic, partition: item.sourcePartition, offset: item.sourceOffset, reason: item.reason }, 'message sent to the DLQ');
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const started = performance.now();
    const now = Date.now();
    const topic = batch.topic;
    // Lag is observed for one event in 16 (and the batch's first, its oldest): the histogram is the
    // same shape, and observing every event cost 4 % of the ingest CPU.
    const lag = this.metrics.ingestLag.labels(topic);
    let lagSkip = 0;
    this.metrics.kafkaConsumed.inc({ topic }, batch.messages.length);
    let lastOffset = -1;
    let taken = 0;
    if (this.stopping) return;
    for (const m of batch.messages) {
      // A registry round trip happens once per schema id; otherwise the batch runs without yielding.
      if (!this.decoder.isPrepared(m.value)) {
        await this.decoder.prepareWaiting(m.value, (err, attempt) => this.registryWait(err, attempt, heartbeat));
        // the final drain may have begun meanwhile: what was processed is in it, the rest is replayed
        if (this.stopping) break;
      }
      const offset = Number(m.offset);
      lastOffset = offset;
      taken++;
      let e: WireEngineEvent;
      try {
        e = this.decoder.decodeSync<WireEngineEvent>(m.value, RECORD_NAME.events);
      } catch (err) {
        const reason = err instanceof WireFormatError ? err.reason : 'bad_avro';
        this.deadLetter({ reason, error: (err as Error).message, sourceTopic: topic, sourcePartition: batch.partition, sourceOffset: m.offset, key: m.key, value: m.value });
        continue;
      }
      if (e.send_time_us > 0 && (lagSkip++ & 15) === 0) lag.observe(Math.max(0, now - e.send_time_us / 1000));
      this.step.run(e, now, batch.partition, offset);
    }
    if (lastOffset < 0) return;
    this.offsets.processedUpTo(batch.partition, lastOffset + 1);
    this.state.partitionRead(batch.partition, BigInt(batch.highWatermark) <= BigInt(lastOffset + 1), now);
    this.pipeline.processed(taken);
    resolveOffset(String(lastOffset));
    // Return at once so the next fetch overlaps the transaction. When too much waits for it (a
    // store is down, say), stop fetching until the backlog is committed: Kafka is the buffer,
    // and the group session stays alive because this handler does not block.
    // The take runs now, before this task ends: between tasks the books are exactly what has been
    // published, which conflated catch-ups and their checksums rely on (deferring it to coalesce
    // a fetch's batches broke them).
    const flushing = this.flush().catch((err) => this.log.error({ err: (err as Error).stack ?? String(err) }, 'flush failed'));
    if (this.pipeline.waiting > this.opts.maxUncommittedEvents && !this.paused) {
      this.paused = true;
      this.consumer!.pause([{ topic }]);
      this.log.warn({ topic, waiting: this.pipeline.waiting }, 'consumption paused until pending outputs are stored and committed');
      void flushing.finally(() => {
        this.paused = false;
        this.consumer?.resume([{ topic }]);
      });
    }
    await heartbeat();
    this.metrics.ingestBatch.observe(performance.now() - started);
  }

  /**
   * Takes what the state has produced (telling the in-process listeners at once, so WebSocket
   * clients never wait for a store or a transaction), then makes sure it gets stored and
   * committed with its offsets. Resolves when everything produced before the call is committed.
   */
  async flush(): Promise<void> {
    await this.collect();
    await this.pipeline.drain();
  }

  private async collect(): Promise<void> {
    if (!this.producers.started) return;
    await this.publisher.prepareSymbols(this.state.symbols()); // a map lookup per symbol once prepared
    // From here to the end nothing awaits: outputs, offsets and the books that snapshots,
    // checksums and stored rows are read from are all taken at the same instant.
    const out = this.state.takeOutput();
    const values = buildMarketOutput(out, this.state, Date.now());
    const dlq = this.pendingDlq;
    this.pendingDlq = [];
    const events = this.pipeline.takeEvents();
    const offsets = this.offsets.safe(this.state.heldOffsets());
    const traced = this.step.takeTraced();
    // clients first (the lowest latency), then the md.* messages and store rows, from the same books
    const broadcast = traced || this.tracing.sampled() ? this.tracing.start('md.broadcast_ws', { trades: out.trades.length, books: out.deltas.size + out.snapshots.size }, traced) : undefined;
    this.tracing.run(broadcast, () => this.bus.emit(values));
    this.pipeline.push({ messages: this.publisher.build(values, out.rejected, (s) => this.state.instrument(s), dlq), offsets, rows: this.persister?.rows(out, this.state), events, trace: traced, trades: values.trades });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    setRebalanceHooks(this.opts.groupId, undefined);
    await this.consumer?.disconnect().catch((err: Error) => this.log.warn({ err: err.message }, 'consumer disconnect failed; flushing what was taken'));
    await this.flush();
    await this.producers.stop();
    this.log.info({ committed: this.offsets.committedByPartition(), processed: this.offsets.processedByPartition(), waiting: this.pipeline.waiting }, 'engine consumer stopped');
  }
}
