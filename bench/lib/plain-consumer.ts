// A fresh group member with the service's consumer settings doing no work: reads `expected`
// messages of `topic` from the start and prints the seconds from its first batch to the last.
// kafkajs as published, or with `patched` as the service runs it (src/ingest/kafkajs.ts loaded
// first, so its patches are in place before kafkajs): each run in a process of its own.
import type { Kafka as KafkaClass, logLevel as LogLevel } from 'kafkajs';

const [brokers, topic, groupId, expected, mode] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const { Kafka, logLevel } = (mode === 'patched' ? await import('../../src/ingest/kafkajs.js') : await import('kafkajs')) as { Kafka: typeof KafkaClass; logLevel: typeof LogLevel };
const consumer = new Kafka({ clientId: 'bench-plain-consumer', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).consumer({
  groupId,
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxWaitTimeInMs: 100,
  readUncommitted: false,
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
let n = 0;
let startedAt = 0;
const seconds = await new Promise<number>((resolve) => {
  void consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (!startedAt) startedAt = performance.now();
      n += batch.messages.length;
      if (n >= Number(expected)) resolve((performance.now() - startedAt) / 1000);
    },
  });
});
await consumer.disconnect();
process.stdout.write(`${JSON.stringify({ seconds })}\n`);
