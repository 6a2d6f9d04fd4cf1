// The commit pipeline of a core: takes of the state's output queue here; their md.* messages are
// sent into the open Kafka transaction at once, their rows stored, and the consumed offsets commit
// with the messages once the rows are stored (group commit: every take of a round in one
// transaction). See docs/INGEST.md.
import type { Context } from '@opentelemetry/api';
import type { Producer, TopicMessages, Transaction } from 'kafkajs';
import type { Logger } from '../obs/logger.js';
import type { PersistRows, Persister } from '../store/persister.js';
import { mergeOffsets, type OffsetTracker, type PartitionOffset } from './offset-tracker.js';
import { chunkByPartitionBytes } from './produce-chunks.js';
import type { TopicPartitions } from './kafkajs-transaction-manager.js';
import { TradeWatermarks } from './trade-watermarks.js';

/** One take of the state's output, on its way to the stores and the transaction. */
export interface Taken {
  messages: TopicMessages[];
  offsets: PartitionOffset[];
  rows: PersistRows | undefined;
  events: number;
  /** The trace of a sampled event in this take, continued by its store writes. */
  trace: Context | undefined;
  trades: { symbol: string; sequence: number }[];
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

/**
 * The transactional producers rounds take turns on: round N sends on one while round N-1 commits
 * on another (one open transaction per transactional id), so nothing waits for a commit to send.
 */
export interface RoundProducers {
  readonly count: number;
  get(slot: number): Producer;
  /** Replaces a slot's producer after a failed transaction (same transactional id: the old one is settled and fenced). */
  renew(slot: number): Promise<void>;
  /**
   * Registers partitions with the slot's open transaction in one request (else each send registers
   * its own). A hint: when it fails, the sends register what is missing, with the producer's retries.
   */
  register?(slot: number, topics: TopicPartitions): Promise<void>;
}

/** Partitions by topic. */
type Written = Map<string, Set<number>>;

/** Adds the partitions `messages` name to `into`. */
function notePartitions(messages: TopicMessages[], into: Written): Written {
  for (const t of messages) {
    let set = into.get(t.topic);
    if (!set) into.set(t.topic, (set = new Set()));
    for (const m of t.messages) if (m.partition !== undefined) set.add(m.partition);
  }
  return into;
}

/** The partitions of `messages` and of `more`, as a transaction registers them. */
function partitionsOf(messages: TopicMessages[], more: Written): TopicPartitions {
  const all = notePartitions(messages, new Map([...more].map(([topic, set]) => [topic, new Set(set)])));
  return [...all].map(([topic, set]) => ({ topic, partitions: [...set].map((partition) => ({ partition })) }));
}

/** How a round ended: committed as sent, or published again after the rounds sent behind it. */
type RoundEnd = 'committed' | 'republished';

/** The stages of a round, timed for md_publish_round_stage_ms. */
export type RoundStage = 'store' | 'wait_previous' | 'produce' | 'commit';

/** What the pipeline tells its metrics: each stage's time, each failed attempt to publish a round. */
export interface RoundObserver {
  stage?(stage: RoundStage, ms: number): void;
  failedAttempt?(): void;
}

/** A drain call: resolved once every take pushed before it has settled. */
interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class CommitPipeline {
  private readonly queue: Taken[] = [];
  private draining: Promise<void> | undefined;
  /** Takes pushed so far, and how many of them have settled (committed, in push order; or lost with a failed loop). */
  private pushed = 0;
  private settled = 0;
  private waiters: Waiter[] = [];
  /** Events processed but not yet committed, and how many of them are queued here. */
  private uncommitted = 0;
  private queuedEvents = 0;
  /** Each transaction's offsets carry a round id: after a failure it tells whether that transaction committed. */
  private readonly roundPrefix = `${process.pid.toString(36)}.${Date.now().toString(36)}.`;
  private rounds = 0;
  /** Rounds opened so far (round n goes to producer n mod count). */
  private opened = 0;
  /** Ends the wait of an open round for more takes. */
  private wake: (() => void) | undefined;
  /** The partitions the last round that sent anything wrote to. */
  private lastWritten: Written = new Map();

  constructor(
    private readonly producers: RoundProducers,
    private readonly committedOffsets: () => Promise<Map<number, { offset: string; metadata: string | null }>>,
    private readonly offsets: OffsetTracker,
    private readonly watermarks: TradeWatermarks,
    /** The symbols of each partition (their trade marks go in its committed offset's metadata). */
    private readonly symbolsByPartition: (partitions: number[]) => Map<number, string[]>,
    private readonly partitionOfSymbol: (symbol: string) => number | undefined,
    private readonly target: { groupId: string; eventsTopic: string },
    private readonly log: Logger,
    private readonly persister?: Persister,
    private readonly observer: RoundObserver = {},
    /** How long a round's transaction stays open for more takes before it commits. */
    private readonly roundMs = 0,
  ) {}

  private timed(stage: RoundStage, ms: number): void {
    this.observer.stage?.(stage, ms);
  }

  /** Events handed to the state: they count as waiting until their take commits. */
  processed(events: number): void {
    this.uncommitted += events;
  }

  /** Events processed and not yet committed (consumption pauses above a bound). */
  get waiting(): number {
    return this.uncommitted;
  }

  /** Events processed since the last take (the size of the next take). */
  takeEvents(): number {
    const events = this.uncommitted - this.queuedEvents;
    this.queuedEvents += events;
    return events;
  }

  push(taken: Taken): void {
    this.queue.push(taken);
    this.pushed++;
    this.wake?.();
  }

  /**
   * Resolves when everything pushed before the call is committed, as soon as its round commits
   * (not when the queue is next empty: an empty queue can mean a loop still holds the takes, and
   * under steady load the queue is never empty for long). One drain loop at a time.
   */
  drain(): Promise<void> {
    const target = this.pushed;
    if (this.settled >= target) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ target, resolve, reject }));
    this.startLoop();
    return done;
  }

  private startLoop(): void {
    if (this.draining || !this.queue.length) return;
    this.draining = this.drainLoop().then(
      () => {
        this.draining = undefined;
        this.startLoop(); // pushed while the loop was ending
      },
      (err: Error) => {
        // the takes the loop held are lost (their events replay after a restart): whoever waited on them hears why
        this.draining = undefined;
        this.settled = this.pushed - this.queue.length;
        this.release(err);
        this.startLoop();
      },
    );
  }

  /** Waiters whose takes have all settled: resolved, or rejected with the failure that lost some. */
  private release(err?: Error): void {
    if (!this.waiters.length) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.target > this.settled) still.push(w);
      else if (err) w.reject(err);
      else w.resolve();
    }
    this.waiters = still;
  }

  /**
   * One transaction per round. A round opens once its producer's previous round has committed
   * (the round before it may still be committing on the other producer) and stays open `roundMs`:
   * every take queued meanwhile is sent into it at once (readers of uncommitted md.* get it without
   * waiting for a store or a commit) and its rows stored, in push order. Then the round's offsets
   * commit with its messages, once its rows are stored and the round before it has committed:
   * rounds commit in the order they were sent, and stored rows are always a prefix of the stream
   * (what the restart restore relies on). A round whose sends fail is aborted and published again
   * whole (`commit`), as a failed commit is; and since that puts it behind the round sent after it,
   * that one is aborted and published again too (read_committed readers see the log's order).
   */
  private async drainLoop(): Promise<void> {
    let storing: Promise<void> = Promise.resolve();
    let previous: Promise<RoundEnd> = Promise.resolve('committed');
    // per producer, the end of the last round it carried (its next round waits for it)
    const freed: Promise<unknown>[] = Array.from({ length: this.producers.count }, () => Promise.resolve());
    let closeFailed: Error | undefined;
    for (;;) {
      if (!this.queue.length) {
        // nothing queued: the loop ends with the last round's close, unless a take comes first
        const more = await Promise.race([previous.then(() => false, () => false), new Promise<boolean>((resolve) => (this.wake = () => resolve(true)))]);
        this.wake = undefined;
        if (!more && !this.queue.length) break;
      }
      // what queued during the previous round's commit is stored meanwhile
      let taken = this.queue.splice(0);
      storing = this.store(taken, storing);
      const slot = this.opened++ % this.producers.count;
      const waiting = performance.now();
      await freed[slot];
      this.timed('wait_previous', performance.now() - waiting);
      if (closeFailed) throw closeFailed;
      const opened = performance.now();
      const written: Written = new Map();
      const takes: Taken[] = [];
      let failed: Error | undefined;
      let tx: Transaction | undefined;
      for (;;) {
        if (taken.length) {
          takes.push(...taken);
          if (!failed) {
            try {
              const merged = mergeTopics(taken.flatMap((t) => t.messages));
              if (!tx) {
                tx = await this.producers.get(slot).transaction();
                // the partitions the round before wrote are likely written again: one registration for all
                // not retried here: right after the slot's last commit the coordinator may refuse it
                // (CONCURRENT_TRANSACTIONS) for a few ms, and the sends retry their own registration
                if (merged.length) {
                  await this.producers.register?.(slot, partitionsOf(merged, this.lastWritten))?.catch((err: Error) => this.log.debug({ err: err.message }, 'partitions not registered ahead; the sends register them'));
                }
              }
              for (const chunk of chunkByPartitionBytes(merged)) await tx.sendBatch({ topicMessages: chunk });
              notePartitions(merged, written);
            } catch (err) {
              failed = err as Error;
            }
          }
        }
        taken = this.queue.splice(0);
        if (taken.length) {
          storing = this.store(taken, storing);
          continue;
        }
        const left = this.roundMs - (performance.now() - opened);
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.wake = () => (clearTimeout(timer), resolve());
        });
        this.wake = undefined;
      }
      this.timed('produce', performance.now() - opened);
      if (written.size) this.lastWritten = written;
      try {
        await storing;
      } catch (err) {
        await tx?.abort().catch(() => undefined);
        await previous.catch(() => undefined);
        throw err;
      }
      previous = this.close(takes, tx, failed, slot, previous);
      // a failed close ends the loop at its next wait (the takes it held are lost: see startLoop)
      freed[slot] = previous.catch((err: Error) => (closeFailed ??= err));
    }
    await previous;
  }

  /** Stores a take's rows after those of every earlier take. */
  private store(taken: Taken[], previous: Promise<void>): Promise<void> {
    const stored = this.storeAfter(taken, previous);
    stored.catch(() => undefined); // awaited when its round closes, which may be a while
    return stored;
  }

  private async storeAfter(taken: Taken[], previous: Promise<void>): Promise<void> {
    await previous;
    if (!this.persister) return;
    const storing = performance.now();
    await this.persister.write(taken.flatMap((t) => (t.rows ? [t.rows] : [])), taken.find((t) => t.trace)?.trace);
    this.timed('store', performance.now() - storing);
  }

  /**
   * Commits a round's offsets with the messages already sent in its transaction, after the round
   * before it has ended. When that one was published again, this one's messages are behind it in
   * the log: it is aborted and published again after it.
   */
  private async close(takes: Taken[], tx: Transaction | undefined, failed: Error | undefined, slot: number, previous: Promise<RoundEnd>): Promise<RoundEnd> {
    try {
      if ((await previous) === 'republished' && !failed && tx) failed = new Error('the round before was published again behind this one');
    } catch (err) {
      await tx?.abort().catch(() => undefined);
      throw err;
    }
    let end: RoundEnd = 'committed';
    const sent = takes.some((t) => t.messages.length > 0);
    for (const t of takes) this.watermarks.note(t.trades);
    const merged = this.withTradePartitions(mergeOffsets(takes.map((t) => t.offsets)), takes);
    // a round that moves no offset (outputs of the clock: candle closes, tickers) commits one
    // unchanged, so that its round id, too, can be found after a failure
    const carrier = merged.length === 0 && sent ? this.offsets.anyCommitted() : undefined;
    if (carrier) merged.push(carrier);
    const symbols = this.symbolsByPartition(merged.map((o) => o.partition));
    const round = this.roundPrefix + ++this.rounds;
    const offsets = merged.map((o) => ({ ...o, metadata: this.watermarks.metadata(symbols.get(o.partition) ?? [], round) }));
    if (!sent && !offsets.length) {
      await tx?.commit(); // nothing was sent: kafkajs ends it without a request
    } else {
      const notCommitted = await this.commitOpen(tx, failed, offsets);
      if (notCommitted) await tx?.abort().catch(() => undefined);
      if (notCommitted && !(await this.settledAfterFailure(notCommitted, 1, offsets, round, slot))) {
        await this.commit(mergeTopics(takes.flatMap((t) => t.messages)), offsets, round, slot, 2);
        end = 'republished';
      }
    }
    const events = takes.reduce((a, t) => a + t.events, 0);
    this.queuedEvents -= events;
    this.uncommitted -= events;
    this.settled += takes.length;
    this.release();
    return end;
  }

  /** Commits the open transaction of a round whose sends all went through; the failure when it did not commit. */
  private async commitOpen(tx: Transaction | undefined, failed: Error | undefined, offsets: (PartitionOffset & { metadata: string })[]): Promise<Error | undefined> {
    if (failed || !tx) return failed ?? new Error('the round has no transaction');
    try {
      const committing = performance.now();
      if (offsets.length) await tx.sendOffsets({ consumerGroupId: this.target.groupId, topics: [{ topic: this.target.eventsTopic, partitions: offsets }] });
      await tx.commit();
      this.timed('commit', performance.now() - committing);
    } catch (err) {
      return err as Error;
    }
    this.offsets.committedAt(offsets);
    return undefined;
  }

  /**
   * After a failed attempt, waits until the broker says how it ended: true when it had committed
   * (publishing again would double it), false when it must be published again.
   */
  private async settledAfterFailure(err: Error, attempt: number, offsets: (PartitionOffset & { metadata: string })[], round: string, slot: number): Promise<boolean> {
    // The outputs are already taken from the state: keep them and try again rather than lose them,
    // but only once the broker has said the failed attempt did not commit.
    this.observer.failedAttempt?.();
    this.log.warn({ err: err.message, attempt }, 'publish transaction failed; retrying');
    for (let asked = 1; ; asked++) {
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(attempt + asked - 1, 10))));
      const outcome = await this.settle(offsets, round, slot);
      if (outcome !== 'unknown') return outcome === 'committed';
    }
  }

  private async commit(topicMessages: TopicMessages[], offsets: (PartitionOffset & { metadata: string })[], round: string, slot: number, firstAttempt = 1): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        const producing = performance.now();
        const tx = await this.producers.get(slot).transaction();
        try {
          for (const chunk of chunkByPartitionBytes(topicMessages)) await tx.sendBatch({ topicMessages: chunk });
          const committing = performance.now();
          this.timed('produce', committing - producing);
          if (offsets.length) await tx.sendOffsets({ consumerGroupId: this.target.groupId, topics: [{ topic: this.target.eventsTopic, partitions: offsets }] });
          await tx.commit();
          this.timed('commit', performance.now() - committing);
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        this.offsets.committedAt(offsets);
        return;
      } catch (err) {
        if (await this.settledAfterFailure(err as Error, attempt, offsets, round, slot)) return;
      }
    }
  }

  /**
   * After a failed attempt: a new producer settles the old transaction. Its offsets say how it
   * ended: committed (the broker had it before the failure reached us: publishing again would
   * double it) or aborted (publish again): the round id in their metadata is this round's only if
   * it committed. Unknown while the broker cannot be asked: the caller asks again, and never
   * publishes on a guess.
   */
  private async settle(offsets: PartitionOffset[], round: string, slot: number): Promise<'committed' | 'aborted' | 'unknown'> {
    try {
      await this.producers.renew(slot);
      // a round that carries no offset (nothing committed yet) leaves no trace to read: publish again
      if (!offsets.length) return 'aborted';
      const committed = await this.committedOffsets();
      const done = offsets.every((o) => {
        const c = committed.get(o.partition);
        return c?.offset === o.offset && TradeWatermarks.roundOf(c.metadata) === round;
      });
      if (!done) return 'aborted';
      this.log.warn({ partitions: offsets.length }, 'the failed transaction had committed; not publishing it again');
      this.offsets.committedAt(offsets);
      return 'committed';
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not settle the failed transaction yet; asking again before publishing anything');
      return 'unknown';
    }
  }

  /**
   * A partition whose offset cannot move (an event of one of its symbols held for a gap) may still
   * carry trades of its other symbols in this round: its offset is committed again, unchanged, so
   * the metadata holding their marks is written in the same transaction as the trades. Otherwise a
   * restart would replay from that offset with older marks and publish those trades a second time.
   */
  private withTradePartitions(offsets: PartitionOffset[], taken: Taken[]): PartitionOffset[] {
    const present = new Set(offsets.map((o) => o.partition));
    for (const t of taken) {
      for (const trade of t.trades) {
        const p = this.partitionOfSymbol(trade.symbol);
        if (p === undefined || present.has(p)) continue;
        const at = this.offsets.committedOffset(p);
        if (at === undefined) continue;
        offsets.push({ partition: p, offset: String(at) });
        present.add(p);
      }
    }
    return offsets;
  }
}
