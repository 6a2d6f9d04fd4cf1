// Simulator throughput: engine events generated, Avro-encoded and published per second by one
// process (`sim --rate 0`), beside kafkajs alone publishing pre-encoded messages of the same size
// in the same batches (the producer's ceiling on this machine), both into the real local Kafka.
import { randomUUID } from 'node:crypto';
import { Partitioners } from '../src/ingest/kafkajs.js';
import { loadConfig } from '../src/config.js';
import { engineTopics } from '../src/contract/topics.js';
import { ensureEngineTopics } from '../src/contract/topic-setup.js';
import { createKafka } from '../src/ingest/kafka-client.js';
import { createLogger } from '../src/obs/logger.js';
import { runSim } from '../test/support/sim.js';
import { writeResult } from './lib/result.js';

const cfg = loadConfig();
const prefix = `bench-sim-${randomUUID().slice(0, 8)}.`;
const summary = await runSim(['--symbols', '10', '--rate', '0', '--duration', '6', '--seed', '3'], { TOPIC_PREFIX: prefix });

const kafka = createKafka(cfg.kafkaBrokers, 'bench-sim', createLogger('error'));
const admin = kafka.admin();
await admin.connect();
const topics = engineTopics(`${prefix}raw.`);
await ensureEngineTopics(admin, topics, 8);
const offsets = await admin.fetchTopicOffsets(engineTopics(prefix).events);
const inTopic = offsets.reduce((a, p) => a + Number(p.high), 0);
await admin.disconnect();

// same count, ~same size (the simulator's average Avro event is ~110 bytes), same 5,000-message batches
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const value = Buffer.alloc(110, 7);
const keys = Array.from({ length: 10 }, (_, i) => `SYM${i}`);
const total = summary.events;
const started = performance.now();
for (let sent = 0; sent < total; sent += 5000) {
  const n = Math.min(5000, total - sent);
  await producer.sendBatch({ topicMessages: [{ topic: topics.events, messages: Array.from({ length: n }, (_, i) => ({ key: keys[i % 10]!, value })) }] });
}
const rawRate = total / ((performance.now() - started) / 1000);
await producer.disconnect();

writeResult({
  name: 'sim',
  metric: 'engine events generated, encoded and published per second, one process',
  value: summary.events_per_s,
  unit: 'events/s',
  baseline: { name: 'kafkajs publishing pre-encoded messages, same count and batches', value: rawRate },
  detail: { events: summary.events, symbols: 10, trades: summary.trades, messages_in_topic: inTopic },
});
