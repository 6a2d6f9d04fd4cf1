// Reads side topics in full on every instance (instruments, engine snapshots, book hashes): each
// instance needs all of them whatever engine partitions it owns. A consumer group of its own per
// process (nothing committed), from the beginning or from the end; `caughtUp` resolves once the
// end offsets seen at start are reached.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

export type TailHandler = (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void;

export class TopicTail {
  private consumer: Consumer | undefined;
  private resolveCaughtUp!: () => void;
  readonly caughtUp = new Promise<void>((r) => (this.resolveCaughtUp = r));

  constructor(
    private readonly kafka: Kafka,
    private readonly name: string,
    private readonly topics: string[],
    private readonly fromBeginning: boolean,
    private readonly handle: TailHandler,
  ) {}

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const remaining = new Map<string, bigint>();
    for (const topic of this.topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (this.fromBeginning && BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
    await admin.disconnect();
    if (remaining.size === 0) this.resolveCaughtUp();

    this.consumer = this.kafka.consumer({ groupId: `${this.name}-${randomUUID()}`, maxBytesPerPartition: 8 * 1024 * 1024, allowAutoTopicCreation: false });
    await this.consumer.connect();
    for (const topic of this.topics) await this.consumer.subscribe({ topic, fromBeginning: this.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) await this.handle(batch.topic, batch.partition, m);
        const key = `${batch.topic}/${batch.partition}`;
        const end = remaining.get(key);
        const last = batch.messages[batch.messages.length - 1];
        if (end !== undefined && last && BigInt(last.offset) + 1n >= end) {
          remaining.delete(key);
          if (remaining.size === 0) this.resolveCaughtUp();
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
