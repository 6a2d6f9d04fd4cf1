// The hot path: a consumer group on engine.event.v1 feeding MarketState, and one transactional
// producer that publishes each batch's outputs (md.* topics, DLQ) together with the consumed
// offsets. Commit protocol (see docs/INGEST.md): outputs and offsets commit atomically in one
// Kafka transaction, and the offset committed for a partition never passes an event the state
// still holds without having output it.
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { WireFormatError, type AvroDecoder } from '../contract/avro-codec.js';
import type { WireEngineEvent } from '../contract/engine-wire.js';
import { symbolPartitioner } from '../contract/symbol-partition.js';
import { RECORD_NAME } from '../contract/topics.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { Tracing } from '../obs/tracing.js';
import type { Context } from '@opentelemetry/api';
import { EventStep } from './event-step.js';
import { chunkByPartitionBytes } from './produce-chunks.js';
import type { MarketState } from './market-state.js';
import type { MarketOutput } from '../market/market-output.js';
import { buildMarketOutput } from './output-builder.js';
import { setRebalanceHooks } from './kafkajs-rebalance-hooks.js';
import { TradeWatermarks } from './trade-watermarks.js';
import type { DlqItem, MdPublisher } from './md-publisher.js';
import type { PersistRows, Persister } from '../store/persister.js';

/** One take of the state's output, on its way to the stores and the transaction. */
interface Taken {
  messages: TopicMessages[];
  offsets: { partition: number; offset: string }[];
  rows: PersistRows | undefined;
  events: number;
  /** The trace of a sampled event in this take, continued by its store writes. */
  trace: Context | undefined;
  trades: { symbol: string; sequence: number }[];
}

/** Offsets of several takes: per partition the furthest (each take's are safe when taken). */
function mergeOffsets(all: { partition: number; offset: string }[][]): { partition: number; offset: string }[] {
  const best = new Map<number, number>();
  for (const list of all) for (const p of list) best.set(p.partition, Math.max(best.get(p.partition) ?? -1, Number(p.offset)));
  return [...best].map(([partition, offset]) => ({ partition, offset: String(offset) }));
}

/** One entry per topic (kafkajs merges repeated topics by copying the growing array each time). */
function mergeTopics(all: TopicMessages[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const t of all) {
    const m = byTopic.get(t.topic);
    if (m) for (const msg of t.messages) m.messages.push(msg);
    else byTopic.set(t.topic, { topic: t.topic, messages: [...t.messages] });
  }
  return [...byTopic.values()];
}

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
  /** Rebuilds candles and tickers of these symbols from stored trades (partitions this instance gains). */
  restore?: (state: MarketState, symbols: string[]) => Promise<number>;
}

/** How long a rebalance may wait for this instance to commit what it processed. */
const REVOKE_DRAIN_MS = 20_000;

export class EngineConsumer {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  /** Next offset to commit per partition of the events topic (one past the last processed). */
  private readonly processed = new Map<number, number>();
  private readonly committed = new Map<number, number>();
  private pendingDlq: DlqItem[] = [];
  /** Outputs taken from the state, waiting to be stored and committed (oldest first). */
  private readonly queue: Taken[] = [];
  private draining: Promise<void> | undefined;
  /** Events processed but not yet committed, and how many of them are in the queue. */
  private uncommitted = 0;
  private queuedEvents = 0;
  private paused = false;
  /** The internal bus: told of every batch output, synchronously, before it goes to Kafka. */
  private readonly listeners: ((out: MarketOutput) => void)[] = [];
  private readonly step: EventStep;
  /** Partitions of the events topic assigned to this instance. */
  private assigned = new Set<number>();
  private readonly watermarks = new TradeWatermarks();

  constructor(
    private readonly kafka: Kafka,
    private readonly decoder: AvroDecoder,
    private readonly state: MarketState,
    private readonly publisher: MdPublisher,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: EngineConsumerOptions,
    /** Makes a flush's rows durable before its transaction. */
    private readonly persister?: Persister,
    private readonly tracing: Tracing = Tracing.disabled(),
  ) {
    this.step = new EventStep(state, tracing, log);
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({
      transactionalId: this.opts.transactionalId,
      transactionTimeout: this.opts.transactionTimeoutMs,
      idempotent: true,
      maxInFlightRequests: 1,
      // Right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until its markers are
      // written (a few ms): retry at once, not after kafkajs's default 300 ms.
      retry: { initialRetryTime: 5, maxRetryTime: 500, retries: Number.MAX_SAFE_INTEGER, factor: 0.2, multiplier: 1.5 },
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
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
    for (const p of this.processed.keys()) if (!this.assigned.has(p)) (this.processed.delete(p), this.committed.delete(p));
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
        if (next >= end && !this.processed.has(p)) this.state.setPartitionCaughtUp(p, true);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** A record from a side topic that could not be used: published with the next flush. */
  deadLetter(item: DlqItem): void {
    this.pendingDlq.push(item);
    this.metrics.dlq.inc({ topic: item.sourceTopic, reason: item.reason });
    this.log.debug({ topic: item.sourceTopic, partition: item.sourcePartition, offset: item.sourceOffset, reason: item.reason }, 'message sent to the DLQ');
  }

  /** Subscribes to every batch output (WebSocket, REST caches, stores); called before the transaction. */
  onOutput(listener: (out: MarketOutput) => void): void {
    this.listeners.push(listener);
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
    for (const m of batch.messages) {
      const offset = Number(m.offset);
      lastOffset = offset;
      // A registry round trip happens once per schema id; otherwise the batch runs without yielding.
      if (!this.decoder.isPrepared(m.value)) await this.decoder.prepare(m.value);
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
    this.processed.set(batch.partition, lastOffset + 1);
    this.state.setPartitionCaughtUp(batch.partition, BigInt(batch.highWatermark) <= BigInt(lastOffset + 1));
    this.uncommitted += batch.messages.length;
    resolveOffset(String(lastOffset));
    // Return at once so the next fetch overlaps the transaction. When too much waits for it (a
    // store is down, say), stop fetching until the backlog is committed: Kafka is the buffer,
    // and the group session stays alive because this handler does not block.
    // The take runs now, before this task ends: between tasks the books are exactly what has been
    // published, which conflated catch-ups and their checksums rely on (deferring it to coalesce
    // a fetch's batches broke them).
    const flushing = this.flush().catch((err) => this.log.error({ err: (err as Error).stack ?? String(err) }, 'flush failed'));
    if (this.uncommitted > this.opts.maxUncommittedEvents && !this.paused) {
      this.paused = true;
      this.consumer!.pause([{ topic }]);
      this.log.warn({ topic, waiting: this.uncommitted }, 'consumption paused until pending outputs are stored and committed');
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
    await this.drain();
  }

  private async collect(): Promise<void> {
    if (!this.producer) return;
    await this.publisher.prepareSymbols(this.state.symbols()); // a map lookup per symbol once prepared
    // From here to the end nothing awaits: outputs, offsets and the books that snapshots,
    // checksums and stored rows are read from are all taken at the same instant.
    const out = this.state.takeOutput();
    const values = buildMarketOutput(out, this.state, Date.now());
    const dlq = this.pendingDlq;
    this.pendingDlq = [];
    const events = this.uncommitted - this.queuedEvents;
    this.queuedEvents += events;
    const offsets = this.safeOffsets();
    const traced = this.step.takeTraced();
    // clients first (the lowest latency), then the md.* messages and store rows, from the same books
    const broadcast = traced || this.tracing.sampled() ? this.tracing.start('md.broadcast_ws', { trades: out.trades.length, books: out.deltas.size + out.snapshots.size }, traced) : undefined;
    this.tracing.run(broadcast, () => {
      for (const l of this.listeners) {
        try {
          l(values);
        } catch (err) {
          // a listener's bug (a client-facing view, say) must never stop ingestion or lose outputs
          this.log.error({ err: (err as Error).stack ?? String(err) }, 'output listener failed');
        }
      }
    });
    this.queue.push({ messages: this.publisher.build(values, out.rejected, (s) => this.state.instrument(s), dlq), offsets, rows: this.persister?.rows(out, this.state), events, trace: traced, trades: values.trades });
  }

  /** One drain loop at a time; a caller arriving as it ends gets a new one if anything waits. */
  private drain(): Promise<void> {
    const run = this.draining ?? (this.draining = this.drainLoop().finally(() => (this.draining = undefined)));
    return run.then(() => (this.queue.length ? this.drain() : undefined));
  }

  /**
   * Stores, then publishes and commits, everything queued: one transaction per round (group
   * commit). Two stages overlap: a round's rows are stored while the previous round's transaction
   * commits. Each stage stays in order: stored rows are always a prefix of the stream (what the
   * restart restore relies on), and offsets only commit after their rows are stored.
   */
  private async drainLoop(): Promise<void> {
    const producer = this.producer!;
    let committing: Promise<void> = Promise.resolve();
    while (this.queue.length) {
      const taken = this.queue.splice(0);
      // Stores first: the offsets below may only commit once these rows are durable.
      if (this.persister) await this.persister.write(taken.flatMap((t) => (t.rows ? [t.rows] : [])), taken.find((t) => t.trace)?.trace);
      const previous = committing;
      committing = (async () => {
        await previous;
        const topicMessages = mergeTopics(taken.flatMap((t) => t.messages));
        for (const t of taken) this.watermarks.note(t.trades);
        const merged = mergeOffsets(taken.map((t) => t.offsets));
        const bySymbol = this.state.symbolsByPartition(merged.map((o) => o.partition));
        const offsets = merged.map((o) => ({ ...o, metadata: this.watermarks.metadata(bySymbol.get(o.partition) ?? []) }));
        if (topicMessages.length || offsets.length) await this.commit(producer, topicMessages, offsets);
        const events = taken.reduce((a, t) => a + t.events, 0);
        this.queuedEvents -= events;
        this.uncommitted -= events;
      })();
    }
    await committing;
  }

  private async commit(producer: Producer, topicMessages: TopicMessages[], offsets: { partition: number; offset: string; metadata: string }[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const tx = await producer.transaction();
        try {
          for (const chunk of chunkByPartitionBytes(topicMessages)) await tx.sendBatch({ topicMessages: chunk });
          if (offsets.length) {
            await tx.sendOffsets({ consumerGroupId: this.opts.groupId, topics: [{ topic: this.opts.eventsTopic, partitions: offsets }] });
          }
          await tx.commit();
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        for (const p of offsets) this.committed.set(p.partition, Number(p.offset));
        return;
      } catch (err) {
        // The outputs are already taken from the state: keep them and try again rather than lose them.
        this.log.warn({ err: (err as Error).message, attempt }, 'publish transaction failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Per partition: one past the last processed offset, but never past an event still held. */
  private safeOffsets(): { partition: number; offset: string }[] {
    const held = this.state.heldOffsets();
    const out: { partition: number; offset: string }[] = [];
    for (const [partition, next] of this.processed) {
      const safe = Math.min(next, held.get(partition) ?? Infinity);
      if (safe > (this.committed.get(partition) ?? -1)) out.push({ partition, offset: String(safe) });
    }
    return out;
  }

  async stop(): Promise<void> {
    setRebalanceHooks(this.opts.groupId, undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    await this.flush();
    await this.producer?.disconnect().catch(() => undefined);
  }
}
