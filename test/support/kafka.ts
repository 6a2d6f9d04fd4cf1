import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { within } from './stack.js';

export type ReadMessage = KafkaMessage & { topic: string; partition: number };

/**
 * Reads every message of the topics up to their current end offsets (per-partition order kept).
 * Read-committed: transactional topics end in a commit marker that is never delivered, so a
 * partition also counts as read once nothing more has come for `idleMs`.
 */
export async function readTopics(kafka: Kafka, topics: string[], timeoutMs = 60_000, idleMs = 4000): Promise<ReadMessage[]> {
  const what = `reading ${topics.join(',')}`;
  const admin = kafka.admin();
  const remaining = new Map<string, bigint>();
  await within((async () => {
    await admin.connect();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  })().finally(() => admin.disconnect()), 60_000, `${what}: end offsets`);
  const out: ReadMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `test-read-${randomUUID()}`, maxBytes: 50 * 1024 * 1024 });
  let running: Promise<void> | undefined;
  try {
    await within((async () => {
      await consumer.connect();
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    })(), 60_000, `${what}: consumer connect`);
    // A partition is read when a batch reaches its end offset. kafkajs does not hand batches of
    // control records only (a transactional topic's tail) to eachBatch, but reports them here.
    const reached = (topic: string, partition: number, lastOffset: string | null | undefined) => {
      const key = `${topic}/${partition}`;
      const end = remaining.get(key);
      if (end !== undefined && lastOffset != null && BigInt(lastOffset) + 1n >= end) remaining.delete(key);
    };
    await new Promise<void>((resolve, reject) => {
      // idle counts once the group is joined (run resolved): a slow join on a busy broker is not idleness
      let joined = false;
      let lastActivity = Date.now();
      const idle = setInterval(() => {
        if (joined && Date.now() - lastActivity >= idleMs) {
          clearInterval(idle);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      const timer = setTimeout(() => {
        clearInterval(idle);
        reject(new Error(`reading ${topics.join(',')}: ${remaining.size} partitions unfinished after ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        if (remaining.size > 0) return;
        clearTimeout(timer);
        clearInterval(idle);
        resolve();
      };
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        lastActivity = Date.now();
        reached(payload.topic, payload.partition, payload.lastOffset);
        finish();
      });
      running = consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          lastActivity = Date.now();
          const key = `${batch.topic}/${batch.partition}`;
          const end = remaining.get(key);
          for (const m of batch.messages) {
            if (end !== undefined && BigInt(m.offset) < end) out.push({ ...m, topic: batch.topic, partition: batch.partition });
          }
          reached(batch.topic, batch.partition, batch.lastOffset());
          finish();
        },
      });
      running.then(
        () => {
          joined = true;
          lastActivity = Date.now();
        },
        reject,
      );
    });
  } finally {
    // a consumer disconnected before run() resolved (its group join) can go on consuming and keep
    // the process alive (kafkajs#1639): let the join finish first; both bounded, the data is read
    if (running) await within(running, 60_000, `${what}: joining the group`).catch((err: Error) => console.error(err.message));
    await within(consumer.disconnect(), 60_000, `${what}: consumer disconnect`).catch((err: Error) => console.error(err.message));
  }
  return out;
}
