// The md.* transactional producers of a core: commit rounds take turns on them (commit-pipeline.ts),
// each with its own transactional id, derived from the configured one.
import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from './kafkajs.js';
import type { RoundProducers } from './commit-pipeline.js';
import { addPartitionsToTransaction, type TopicPartitions } from './kafkajs-transaction-manager.js';

/** Round N sends while round N-1 commits: two producers are enough for that. */
export const ROUND_PRODUCERS = 2;

/** The transactional id of a slot: the configured one for the first (what a single-producer core used). */
export function slotTransactionalId(transactionalId: string, slot: number): string {
  return slot === 0 ? transactionalId : `${transactionalId}.${slot}`;
}

export class KafkaRoundProducers implements RoundProducers {
  readonly count = ROUND_PRODUCERS;
  private readonly producers: (Producer | undefined)[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: { transactionalId: string; transactionTimeoutMs: number },
  ) {}

  /**
   * Every slot's producer, each having settled and fenced what a dead predecessor with its
   * transactional id left open, so read_committed readers do not wait for that to time out.
   */
  async start(): Promise<void> {
    for (let slot = 0; slot < this.count; slot++) await this.renew(slot);
  }

  get(slot: number): Producer {
    const p = this.producers[slot];
    if (!p) throw new Error(`round producer ${slot} is not started`);
    return p;
  }

  get started(): boolean {
    return this.producers.length > 0;
  }

  /**
   * A transaction that failed in flight can leave kafkajs's producer in a state it never leaves
   * (COMMITTING): a new producer with the same transactional id settles the old transaction at
   * the coordinator (completed or aborted) and fences it.
   */
  async renew(slot: number): Promise<void> {
    await this.producers[slot]?.disconnect().catch(() => undefined);
    const next = this.newProducer(slotTransactionalId(this.opts.transactionalId, slot));
    await next.connect();
    // kafkajs asks for the producer id (which settles the old transaction) only at the first
    // transaction: begin and abort an empty one, so the committed offsets read next are final
    await (await next.transaction()).abort();
    this.producers[slot] = next;
  }

  async register(slot: number, topics: TopicPartitions): Promise<void> {
    await addPartitionsToTransaction(slotTransactionalId(this.opts.transactionalId, slot), topics);
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((p) => p?.disconnect().catch(() => undefined)));
  }

  private newProducer(transactionalId: string): Producer {
    return this.kafka.producer({
      transactionalId,
      transactionTimeout: this.opts.transactionTimeoutMs,
      idempotent: true,
      maxInFlightRequests: 1,
      // Right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until its markers are
      // written (a few ms): retry at once, not after kafkajs's default 300 ms.
      retry: { initialRetryTime: 5, maxRetryTime: 500, retries: Number.MAX_SAFE_INTEGER, factor: 0.2, multiplier: 1.5 },
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }
}
