// The floor of following md.*: a consumer that does no work, subscribed to the md.* topics an edge
// follows (src/contract/topics.ts: every record topic and every symbol's trades) from their ends,
// with an edge's fetch settings from the config (read_uncommitted by default). kafkajs as published,
// or with `patched` as the service runs it (src/ingest/kafkajs.ts first). Runs until SIGTERM, then
// prints what it read.
import type { Kafka as KafkaClass, logLevel as LogLevel } from 'kafkajs';
import { loadConfig } from '../../src/config.js';
import { mdTopics } from '../../src/contract/topics.js';

const [prefix, mode] = process.argv.slice(2) as [string, string | undefined];
const { Kafka, logLevel } = (mode === 'patched' ? await import('../../src/ingest/kafkajs.js') : await import('kafkajs')) as { Kafka: typeof KafkaClass; logLevel: typeof LogLevel };
const cfg = loadConfig();
const kafka = new Kafka({ clientId: 'bench-plain-follower', brokers: cfg.kafkaBrokers, logLevel: logLevel.NOTHING });
const t = mdTopics(prefix);
const followed = new Set([t.bookDelta, t.bookSnapshot, t.ohlcv, t.ticker, t.mark, t.index, t.funding]);
const admin = kafka.admin();
await admin.connect();
const topics = (await admin.listTopics()).filter((n) => followed.has(n) || n.startsWith(t.trades('')));
await admin.disconnect();
const consumer = kafka.consumer({ groupId: `bench-plain-follower-${process.pid}`, readUncommitted: cfg.edgeIsolation === 'read_uncommitted', minBytes: cfg.edgeFetchMinBytes, maxWaitTimeInMs: cfg.edgeFetchMaxWaitMs, maxBytesPerPartition: 8 * 1024 * 1024 });
await consumer.connect();
await consumer.subscribe({ topics, fromBeginning: false });
let read = 0;
await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void (read += batch.messages.length) });
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ topics: topics.length, read })}\n`);
  process.exit(0);
});
