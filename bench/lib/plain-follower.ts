// The floor of following md.*: a consumer that does no work, subscribed to every md.* topic of a
// prefix (an edge's subscriptions, DLQ aside) from their ends, with an edge's default fetch
// settings (read_uncommitted, 1 byte or 50 ms per fetch). kafkajs as published, or with `patched`
// as the service runs it (src/ingest/kafkajs.ts first). Runs until killed; prints what it read.
import type { Kafka as KafkaClass, logLevel as LogLevel } from 'kafkajs';
import { loadConfig } from '../../src/config.js';

const [brokers, prefix, mode] = process.argv.slice(2) as [string, string, string | undefined];
const { Kafka, logLevel } = (mode === 'patched' ? await import('../../src/ingest/kafkajs.js') : await import('kafkajs')) as { Kafka: typeof KafkaClass; logLevel: typeof LogLevel };
const cfg = loadConfig({});
const kafka = new Kafka({ clientId: 'bench-plain-follower', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}md.`) && !t.startsWith(`${prefix}md.dlq`));
await admin.disconnect();
const consumer = kafka.consumer({ groupId: `bench-plain-follower-${process.pid}`, readUncommitted: true, minBytes: cfg.edgeFetchMinBytes, maxWaitTimeInMs: cfg.edgeFetchMaxWaitMs, maxBytesPerPartition: 8 * 1024 * 1024 });
await consumer.connect();
await consumer.subscribe({ topics, fromBeginning: false });
let read = 0;
await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void (read += batch.messages.length) });
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ topics: topics.length, read })}\n`);
  process.exit(0);
});
