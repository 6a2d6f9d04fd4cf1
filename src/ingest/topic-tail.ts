// Reads side topics in full on every instance (instruments, engine snapshots, book hashes): each
// instance needs all of them whatever engine partitions it owns. A consumer group of its own per
// process (nothing committed), from the beginning or from the end; `caughtUp` resolves once the
// end offsets seen at start are reached. A first join that is not given every partition of its
// topics (kafkajs assigns from metadata, which can lag a topic created a moment before, and then
// sits idle until its next metadata refresh, minutes later) joins again with a fresh group.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../obs/logger.js';

export type TailHandler = (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void;

export class TopicTail {
  private consumer: Consumer | undefined;
  private resolveCaughtUp!: () => void;
  readonly caughtUp = new Promise<void>((r) => (this.resolveCaughtUp = r));

  /** Partitions per topic, as the broker listed them at start. */
  private readonly partitions = new Map<string, number>();
  private readonly remaining = new Map<string, bigint>();
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly name: string,
    private readonly topics: string[],
    private readonly fromBeginning: boolean,
    private readonly handle: TailHandler,
    private readonly log?: Logger,
  ) {}

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    for (const topic of this.topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      this.partitions.set(topic, offsets.length);
      for (const p of offsets) {
        if (this.fromBeginning && BigInt(p.high) > BigInt(p.low)) this.remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
    await admin.disconnect();
    if (this.remaining.size === 0) this.resolveCaughtUp();
    await this.join(1);
  }

  private async join(attempt: number): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `${this.name}-${randomUUID()}`, maxBytesPerPartition: 8 * 1024 * 1024, allowAutoTopicCreation: false });
    this.consumer = consumer;
    let firstJoin = true;
    let running: Promise<void> = Promise.resolve();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      if (!firstJoin) return;
      firstJoin = false;
      const missing = this.topics.filter((t) => (e.payload.memberAssignment[t]?.length ?? 0) < (this.partitions.get(t) ?? 0));
      if (missing.length === 0 || attempt >= 20 || this.stopped) return;
      this.log?.warn({ tail: this.name, missing, attempt }, 'side topic tail was not assigned every partition; joining again');
      this.consumer = undefined; // what it still delivers is dropped below
      void (async () => {
        await running.catch(() => undefined); // disconnecting before run() resolves can leave it consuming (kafkajs#1639)
        await consumer.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500));
        if (!this.stopped) await this.join(attempt + 1);
      })().catch((err: Error) => this.log?.error({ tail: this.name, err: err.message }, 'side topic tail could not join again'));
    });
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: this.fromBeginning });
    running = consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (this.consumer !== consumer) return; // replaced by a fresh join: it reads from the start again
        for (const m of batch.messages) await this.handle(batch.topic, batch.partition, m);
        const key = `${batch.topic}/${batch.partition}`;
        const end = this.remaining.get(key);
        const last = batch.messages[batch.messages.length - 1];
        if (end !== undefined && last && BigInt(last.offset) + 1n >= end) {
          this.remaining.delete(key);
          if (this.remaining.size === 0) this.resolveCaughtUp();
        }
      },
    });
    await running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect();
  }
}
