// The matching-engine simulator: `npm run sim -- --symbols 5 --rate 2000 --duration 60 --seed 1`.
// Publishes instruments, then trades and book deltas, periodic full snapshots and book hashes to
// the real Kafka in the engine contract's Avro, and prints a JSON summary line on exit.
import { parseArgs } from 'node:util';
import type { TopicMessages } from 'kafkajs';
import { Partitioners } from '../ingest/kafkajs.js';
import { loadConfig } from '../config.js';
import { registerTopicSchema } from '../contract/avro-codec.js';
import type { WireBookHash, WireBookSnapshot, WireEngineEvent, WireInstrument } from '../contract/engine-wire.js';
import { ensureEngineTopics } from '../contract/topic-setup.js';
import { engineTopics, SCHEMA_FILE } from '../contract/topics.js';
import { createKafka } from '../ingest/kafka-client.js';
import { chunkByPartitionBytes } from '../ingest/produce-chunks.js';
import { createSchemaRegistry } from '../ingest/schema-registry.js';
import { createLogger } from '../obs/logger.js';
import { FaultInjector, type FaultRates } from './faults.js';
import { nowMicros, Simulation } from './simulation.js';

const USAGE = `usage: npm run sim -- [--symbols N] [--rate EVENTS_PER_S (0 = as fast as possible)] [--duration S (0 = until stopped)]
  [--seed K] [--start-time EPOCH_MS] [--snapshot-interval-ms MS] [--hash-interval-ms MS] [--seed-levels N] [--max-orders N]
  [--engine-speed X (engine ms per wall ms)] [--partitions N] [--gap-rate P] [--dup-rate P] [--reorder-rate P] [--bad-rate P] [--cross-rate P] [--quiet]`;

function numberOption(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`sim: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

const opt = (type: 'string' | 'boolean' = 'string') => ({ type });
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        symbols: opt(), rate: opt(), duration: opt(), seed: opt(), 'start-time': opt(), 'snapshot-interval-ms': opt(),
        'hash-interval-ms': opt(), 'seed-levels': opt(), 'max-orders': opt(), partitions: opt(), 'engine-speed': opt(), 'gap-rate': opt(),
        'dup-rate': opt(), 'reorder-rate': opt(), 'bad-rate': opt(), 'cross-rate': opt(), quiet: opt('boolean'), help: opt('boolean'),
      },
    });
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const v = values as Record<string, unknown>;
const rate = numberOption(v, 'rate', 1000, 0, 10_000_000);
const duration = numberOption(v, 'duration', 0, 0, 10_000_000);
const seed = numberOption(v, 'seed', 1, 0, 2 ** 32 - 1);
const faults: FaultRates = {
  gap: numberOption(v, 'gap-rate', 0, 0, 1),
  duplicate: numberOption(v, 'dup-rate', 0, 0, 1),
  reorder: numberOption(v, 'reorder-rate', 0, 0, 1),
  bad: numberOption(v, 'bad-rate', 0, 0, 1),
  crossed: numberOption(v, 'cross-rate', 0, 0, 1),
};
const sim = new Simulation({
  symbols: numberOption(v, 'symbols', 5, 1, 10_000),
  seed,
  startTime: numberOption(v, 'start-time', Date.now(), 0, 4e12),
  snapshotIntervalMs: numberOption(v, 'snapshot-interval-ms', 1000, 10, 3_600_000),
  hashIntervalMs: numberOption(v, 'hash-interval-ms', 1000, 10, 3_600_000),
  seedLevels: numberOption(v, 'seed-levels', 200, 1, 100_000),
  maxOrders: numberOption(v, 'max-orders', 3000, 10, 10_000_000),
});
const partitions = numberOption(v, 'partitions', 8, 1, 1000);
const engineSpeed = numberOption(v, 'engine-speed', 1, 0.001, 100_000);
const quiet = Boolean(v.quiet);

const cfg = loadConfig();
// stdout carries the summary line; kafkajs retries and warnings go to stderr
const log = createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, 'engine-sim', true);
const kafka = createKafka(cfg.kafkaBrokers, 'engine-sim', log);
const registry = createSchemaRegistry(cfg.schemaRegistryUrl);

const topics = engineTopics(cfg.topicPrefix);

/**
 * A start-up step with a deadline, tried again a few times: a kafkajs connection can wait for an
 * answer that never comes (upstream #909), and a simulator stuck in silence fails its test only at
 * its own 300 s limit, saying nothing (seen once on Node 22 in CI).
 */
async function startStep<T>(what: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await within(20_000, what, run());
    } catch (err) {
      if (attempt >= 5) throw err;
      log.warn({ err: (err as Error).message, attempt }, `${what} failed; trying again in 1 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

await startStep('topic setup', async () => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await ensureEngineTopics(admin, topics, partitions);
  } finally {
    void within(5000, 'disconnect', admin.disconnect()).catch(() => undefined);
  }
});

const enc = await startStep('schema registration', async () => ({
  instrument: await registerTopicSchema<WireInstrument>(registry, topics.instrumentCreated, SCHEMA_FILE.instrumentCreated),
  event: await registerTopicSchema<WireEngineEvent>(registry, topics.events, SCHEMA_FILE.events),
  snapshot: await registerTopicSchema<WireBookSnapshot>(registry, topics.snapshots, SCHEMA_FILE.snapshots),
  hash: await registerTopicSchema<WireBookHash>(registry, topics.bookhashes, SCHEMA_FILE.bookhashes),
}));
// idempotent, as an engine's producer is: a retried request on a busy broker must not publish a
// batch twice (duplicates are a fault the simulator injects on purpose, --dup-rate)
const newProducer = () => kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
let producer = newProducer();
await startStep('producer connect', async () => {
  try {
    await within(15_000, 'connect', producer.connect());
  } catch (err) {
    const old = producer;
    void within(5000, 'disconnect', old.disconnect()).catch(() => undefined);
    producer = newProducer();
    throw err;
  }
});

const injector = new FaultInjector(faults, seed, (s) => sim.instrument(s), (s) => sim.models.find((m) => m.instrument.symbol === s)?.engine.book.asks.bestPrice());
const stamp = <T extends { send_time_us: number }>(r: T): T => ((r.send_time_us = nowMicros()), r);

await sendRetrying([{ topic: topics.instrumentCreated, messages: sim.instruments().map((i) => ({ key: i.symbol, value: enc.instrument.encode(i) })) }]);

const totals = { events: 0, trades: 0, deltas: 0, snapshots: 0, hashes: 0, messages: 0 };
let stopping = false;
process.on('SIGINT', () => (stopping = true));
process.on('SIGTERM', () => (stopping = true));

/**
 * An engine keeps its events while the broker is away: a batch kafkajs gave up on is sent again
 * (every second, for up to SIM_OUTAGE_TOLERANCE_S, 300 by default). Part of it may have been
 * written already: consumers see those events twice, as after any producer retry of an engine.
 */
/** kafkajs can leave a request to a broker that went away unanswered for good: every step gets a deadline. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function sendRetrying(topicMessages: TopicMessages[]): Promise<void> {
  // after an outage the pacing owes up to 20,000 events: one request would carry a partition's
  // record batch past the broker's 1 MiB and be refused on every retry
  for (const chunk of chunkByPartitionBytes(topicMessages)) await sendChunkRetrying(chunk);
}

async function sendChunkRetrying(topicMessages: TopicMessages[]): Promise<void> {
  const deadline = Date.now() + Number(process.env.SIM_OUTAGE_TOLERANCE_S ?? 300) * 1000;
  for (;;) {
    try {
      await within(15_000, 'publish', producer.sendBatch({ topicMessages }));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      log.warn({ err: (err as Error).message }, 'publish failed; sending the batch again in 1 s');
      await new Promise((r) => setTimeout(r, 1000));
      // an idempotent producer that gave up mid-batch has sequence numbers the broker no longer
      // agrees with: a new one (a new producer id) starts clean
      const old = producer;
      void within(5000, 'disconnect', old.disconnect()).catch(() => undefined);
      producer = newProducer();
      await within(15_000, 'connect', producer.connect()).catch(() => undefined);
    }
  }
}

async function publish(events: WireEngineEvent[], snapshots: WireBookSnapshot[], hashes: WireBookHash[]): Promise<void> {
  const eventMessages = injector.apply(events, (e) => enc.event.encode(stamp(e)));
  const topicMessages = [{ topic: topics.events, messages: eventMessages }];
  if (snapshots.length) topicMessages.push({ topic: topics.snapshots, messages: snapshots.map((s) => ({ key: s.symbol, value: enc.snapshot.encode(stamp(s)) })) });
  if (hashes.length) topicMessages.push({ topic: topics.bookhashes, messages: hashes.map((h) => ({ key: h.symbol, value: enc.hash.encode(stamp(h)) })) });
  await sendRetrying(topicMessages);
  for (const e of events) e.kind === 'TRADE' ? totals.trades++ : totals.deltas++;
  totals.events += events.length;
  totals.snapshots += snapshots.length;
  totals.hashes += hashes.length;
  totals.messages += eventMessages.length + snapshots.length + hashes.length;
}

// Pacing: every 10 ms publish what the rate owes; engine time follows the event count, so the
// content (and its timestamps) depends only on the seed and the options, not on the machine.
const started = performance.now();
const nominalRate = rate > 0 ? rate : 50_000;
const engineTime = () => sim.opts.startTime + Math.floor((totals.events * 1000 * engineSpeed) / nominalRate);
let lastReport = started;
while (!stopping) {
  const elapsed = (performance.now() - started) / 1000;
  if (duration > 0 && (rate > 0 ? elapsed >= duration : totals.events >= nominalRate * duration)) break;
  const owed = rate > 0 ? Math.floor(rate * elapsed) - totals.events : 5000;
  if (owed <= 0) {
    await new Promise((r) => setTimeout(r, 5));
    continue;
  }
  const batch = sim.next(Math.min(owed, 20_000), engineTime());
  await publish(batch.events, batch.snapshots, batch.hashes);
  if (!quiet && performance.now() - lastReport > 5000) {
    lastReport = performance.now();
    process.stderr.write(`sim: ${totals.events} events, ${Math.round(totals.events / ((lastReport - started) / 1000))}/s\n`);
  }
}

// The engine's final word on every book, so a consumer can check itself against it.
const end = engineTime();
await publish([], sim.snapshots(end), sim.hashes(end));
await within(10_000, 'disconnect', producer.disconnect()).catch(() => undefined);
const elapsedS = (performance.now() - started) / 1000;
// the summary is the last word: a producer left disconnecting from a restarted broker (kafkajs
// retries its connection for good) must not keep the simulator alive
process.stdout.write(
  `${JSON.stringify({
    ...totals,
    symbols: sim.models.length,
    seed,
    elapsed_s: Number(elapsedS.toFixed(3)),
    events_per_s: Math.round(totals.events / elapsedS),
    faults: injector.counts,
    final: Object.fromEntries(sim.models.map((m) => [m.instrument.symbol, { sequence: m.engine.sequence, levels: m.engine.book.bids.length + m.engine.book.asks.length }])),
  })}\n`,
  () => process.exit(0),
);
