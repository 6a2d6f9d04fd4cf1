// Sustained ingest rate of one service process (decode, sequencing, books, md.* publish in
// transactions) on an engine topic filled beforehand by the simulator, beside kcat's raw
// consumption of the same topic in the same run.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { repoPath } from '../src/paths.js';
import { createKafka } from '../src/ingest/kafka-client.js';
import { createLogger } from '../src/obs/logger.js';
import { startService } from '../test/support/service.js';
import { runSim } from '../test/support/sim.js';
import { promSample } from '../test/support/metrics.js';
import { testStores } from '../test/support/stores.js';
import { cpuWindow, stackPid, type CpuWindow } from './lib/cpu-usage.js';
import { writeProfileSummary } from './lib/cpu-profile.js';
import { writeResult } from './lib/result.js';

const cfg = loadConfig();
const id = randomUUID().slice(0, 8);
const prefix = `bench-ingest-${id}.`;
const env = { TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: `bench-${id}`, KAFKA_TRANSACTIONAL_ID: `bench-${id}-tx`, LOG_LEVEL: 'warn' };
// 24 s of the simulator at full speed, ~1.2 M events: with 400 k (8 s) a third of the run was the
// service's start (registering the md.* schemas, the first small fetch), and runs spread 80-115 k
const duration = Number(process.env.BENCH_INGEST_SECONDS ?? 24);
const summary = await runSim(['--symbols', '20', '--rate', '0', '--duration', String(duration), '--seed', '9'], env);
const events = summary.messages - summary.snapshots - summary.hashes;
const topic = `${prefix}engine.event.v1`;

// kcat: read the whole topic once, discarding output. fetch.wait.max.ms=10: with librdkafka's
// default (500 ms) kcat idles up to half a second at the end before it sees it is there, which
// made its rate look 2-3× lower than it is, and varied from run to run.
const t0 = performance.now();
execFileSync('kcat', ['-C', '-b', cfg.kafkaBrokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o\n', '-X', 'fetch.wait.max.ms=10'], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
const kcatRate = events / ((performance.now() - t0) / 1000);

// a plain kafkajs consumer with the service's consumer settings, doing no work: the floor of this
// language and this client (kcat is the floor of the broker). As published; and as the service
// runs it (its record decoding replaced: kafkajs-record-decoder.ts, kafkajs-batch.ts)
const kafkajsRate = events / plainKafkajsSeconds(topic, events);
const patchedKafkajsRate = events / plainKafkajsSeconds(topic, events, true);

// the service, unprofiled; then once more under the CPU profiler, for where its time goes
const run = await ingestOnce(env);
const { serviceRate, readRate, commitTailMs, peakRss, usage } = run;
const profileDir = mkdtempSync(join(tmpdir(), 'ingest-prof-'));
const profiled = await ingestOnce({ ...env, KAFKA_GROUP_ID: `${env.KAFKA_GROUP_ID}-prof`, KAFKA_TRANSACTIONAL_ID: `${env.KAFKA_TRANSACTIONAL_ID}-prof` }, profileDir);
const profileFile = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
if (profileFile) writeProfileSummary('ingest-profile', join(profileDir, profileFile), { events, events_per_s_profiled: Math.round(profiled.serviceRate), events_per_s_unprofiled: Math.round(serviceRate), span: 'from the first to the last half second the service was at least 80 % busy (its ingest, without start-up and shutdown)' }, 40, true);
rmSync(profileDir, { recursive: true, force: true });

/** One fresh service process (its own group and databases) ingesting the whole topic; from its first consumed event until everything is stored and committed. */
async function ingestOnce(svcEnv: Record<string, string>, cpuProfileDir?: string) {
  // the production path: trades, candles and snapshots stored before each commit, in databases of its own
  const stores = await testStores(`${prefix}${cpuProfileDir ? 'p' : ''}`.replace(/\W/g, ''));
  const svc = await startService({ ...svcEnv, ...stores.env }, 120_000, cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []);
  let peakRss = 0;
  const consumed = async () => {
    const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    const sample = (series: string) => promSample(text, series) ?? 0;
    peakRss = Math.max(peakRss, sample('process_resident_memory_bytes'));
    return sample(`md_kafka_messages_consumed_total{topic="${topic}"}`);
  };
  // done means stored and committed, not only read: the committed offsets at the topic's end
  const kafka = createKafka(cfg.kafkaBrokers, 'bench-ingest', createLogger('error'));
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  const committedToEnd = async () => {
    const [c] = await admin.fetchOffsets({ groupId: svcEnv.KAFKA_GROUP_ID!, topics: [topic] });
    return c!.partitions.every((p) => Number(p.offset) >= (ends.get(p.partition) ?? 0));
  };
  let first = 0;
  let firstAt = 0;
  let readAllAt = 0;
  let cpu: CpuWindow | undefined;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (Date.now() > deadline) {
      await svc.stop();
      throw new Error(`the service did not consume ${events} events within 300 s; its output:\n${svc.output().slice(-5000)}`);
    }
    const n = await consumed();
    if (n > 0 && !firstAt) {
      first = n;
      firstAt = performance.now();
      cpu = cpuWindow({ service: svc.proc.pid, kafka: stackPid('kafka', 9092), clickhouse: stackPid('clickhouse', 8123), postgres: stackPid('postgres', 5432) });
    }
    if (n >= events && !readAllAt) readAllAt = performance.now();
    if (n >= events && (await committedToEnd())) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const doneAt = performance.now();
  const serviceRate = (events - first) / ((doneAt - firstAt) / 1000);
  // read (decoded, applied, published to clients) versus stored and committed: the tail is the pipeline draining
  const readRate = (events - first) / ((readAllAt - firstAt) / 1000);
  const usage = cpu!.stop();
  await svc.stop(); // SIGTERM: the profile is written on a clean exit
  await admin.disconnect();
  await stores.drop();
  return { serviceRate, readRate, commitTailMs: Math.round(doneAt - readAllAt), peakRss, usage };
}

writeResult({
  name: 'ingest',
  metric: 'engine events ingested per second by one service process, to the last offset committed (decode, sequence, books, candles, tickers, ClickHouse + PostgreSQL writes, md.* publish)',
  value: serviceRate,
  unit: 'events/s',
  baseline: { name: 'kcat raw consumption of the same topic', value: kcatRate },
  // cores busy while the service ingested: how much of the machine was left
  detail: { events, symbols: 20, trades: summary.trades, peak_rss_mib: Math.round(peakRss / 2 ** 20), plain_kafkajs_events_per_s: Math.round(kafkajsRate), service_kafkajs_events_per_s: Math.round(patchedKafkajsRate), read_events_per_s: Math.round(readRate), commit_tail_ms: commitTailMs, ...usage },
});
writeResult({
  name: 'ingest-vs-kafkajs',
  metric: 'engine events ingested per second by one service process, every store on the path, to the last committed offset',
  value: serviceRate,
  unit: 'events/s',
  baseline: { name: 'a plain kafkajs consumer (kafkajs as published, same settings, no work) reading the same topic', value: kafkajsRate },
  detail: { events, kcat_events_per_s: Math.round(kcatRate), service_kafkajs_events_per_s: Math.round(patchedKafkajsRate), target: '≥ 150,000 events/s and ≥ 0.5× the plain consumer' },
});

/** Seconds for a fresh kafkajs group member, as published or as the service runs it, to read `expected` messages of `topic` from the start. */
function plainKafkajsSeconds(t: string, expected: number, patched = false): number {
  const args = [repoPath('dist/bench/lib/plain-consumer.js'), cfg.kafkaBrokers.join(','), t, `bench-plain-${id}${patched ? '-patched' : ''}`, String(expected), ...(patched ? ['patched'] : [])];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return (JSON.parse(out.trim().split('\n').pop()!) as { seconds: number }).seconds;
}
