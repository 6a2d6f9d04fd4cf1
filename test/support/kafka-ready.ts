// A broker answers metadata before its group coordinator serves: on a fresh broker the first
// consumer group waits while __consumer_offsets is created and loaded ("the coordinator is
// loading"), which once took the whole time budget of the first test file. `make test` runs this
// first: one consumer group joins and leaves, bounded, so the tests start on a ready broker.
import { loadConfig } from '../../src/config.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createLogger } from '../../src/obs/logger.js';
import { within } from './stack.js';

const TOPIC = 'md-kafka-ready';
const started = Date.now();
const kafka = createKafka(loadConfig().kafkaBrokers, 'kafka-ready', createLogger('error'));
const admin = kafka.admin();
await admin.connect();
try {
  if (!(await admin.listTopics()).includes(TOPIC)) await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true }).catch(() => undefined);
} finally {
  await admin.disconnect();
}
const consumer = kafka.consumer({ groupId: 'md-kafka-ready' });
const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
await consumer.connect();
await consumer.subscribe({ topic: TOPIC, fromBeginning: false });
const running = consumer.run({ eachMessage: async () => undefined });
await within(Promise.all([joined, running]), 180_000, 'the Kafka group coordinator');
await consumer.disconnect();
process.stdout.write(`kafka: group coordinator ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
process.exit(0);
