// Failover of cores: seconds from kill -9 of a core to every symbol advancing again on an edge,
// (a) when another core takes its partitions over, (b) when the same core restarts (same
// transactional id) and nobody else is there. Beside the floor measured in the same run: a plain
// kafkajs consumer-group member (no work) killed the same way, until its partitions are read by the
// surviving member, with the same session timeout. Several rounds each; median and spread.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config.js';
import { createKafka } from '../src/ingest/kafka-client.js';
import { createLogger } from '../src/obs/logger.js';
import { repoPath } from '../src/paths.js';
import { startCluster } from '../test/support/cluster.js';
import { isolatedEnv, type RunningService } from '../test/support/service.js';
import { runSim } from '../test/support/sim.js';
import { writeResult } from './lib/result.js';

const ROUNDS = Number(process.env.FAILOVER_ROUNDS ?? 3);
const SESSION_MS = 6000;
const SYMBOLS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cfg = loadConfig();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => ({ runs: xs.map((x) => Number(x.toFixed(2))), min: Math.min(...xs), max: Math.max(...xs) });

async function seqs(edge: RunningService, symbols: string[]): Promise<Map<string, number>> {
  return new Map(await Promise.all(symbols.map(async (s) => [s, ((await (await fetch(`${edge.baseUrl}/v1/depth?symbol=${s}&depth=1`)).json()) as { seq: number }).seq] as const)));
}

/** Seconds from now until every symbol's book on `edge` is past where it was now. */
async function untilAdvanced(edge: RunningService, symbols: string[], from: number): Promise<number> {
  const at = await seqs(edge, symbols);
  const moved = new Set<string>();
  for (const deadline = Date.now() + 120_000; moved.size < symbols.length; await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`symbols not advancing after 120 s: ${symbols.filter((s) => !moved.has(s)).join(', ')}`);
    for (const [s, q] of await seqs(edge, symbols)) if (q > at.get(s)!) moved.add(s);
  }
  return (Date.now() - from) / 1000;
}

async function service(coresCount: number, rounds: number, restartSame: boolean): Promise<number[]> {
  const { env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000', LOG_LEVEL: 'error', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS) });
  const cluster = await startCluster(env, coresCount, 1);
  const edge = cluster.edges[0]!;
  const sim = runSim(['--symbols', String(SYMBOLS), '--rate', '2000', '--duration', String(30 + rounds * 40), '--seed', '5'], env);
  sim.catch(() => undefined);
  const times: number[] = [];
  try {
    let symbols: string[] = [];
    for (const deadline = Date.now() + 90_000; symbols.length < SYMBOLS; await sleep(200)) {
      if (Date.now() > deadline) throw new Error('the edge did not see every symbol');
      symbols = ((await (await fetch(`${edge.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol);
    }
    await untilAdvanced(edge, symbols, Date.now());
    for (let i = 0; i < rounds; i++) {
      await sleep(4000);
      const killed = Date.now();
      await cluster.cores[0]!.stop('SIGKILL');
      if (restartSame) await cluster.startCore(0);
      times.push(await untilAdvanced(edge, symbols, killed));
      process.stdout.write(`  ${restartSame ? 'restart' : 'takeover'} round ${i + 1}: ${times[times.length - 1]!.toFixed(2)} s\n`);
      if (!restartSame) {
        await cluster.startCore(0); // back for the next round (a rebalance)
        await untilAdvanced(edge, symbols, Date.now());
      }
    }
  } finally {
    await cluster.stop();
  }
  return times;
}

/** The floor: a plain kafkajs group member killed with -9, until the survivor reads its partitions. */
async function floor(rounds: number): Promise<number[]> {
  const kafka = createKafka(cfg.kafkaBrokers, 'failover-floor', createLogger('error'));
  const topic = `bench-failover-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 8 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  let producing = true;
  const pump = (async () => {
    for (let n = 0; producing; n++) {
      await producer.send({ topic, messages: Array.from({ length: 8 }, (_, p) => ({ partition: p, value: String(n) })) });
      await sleep(20);
    }
  })();
  const member = (): { proc: ChildProcess; seen: Map<number, number> } => {
    const proc = spawn(process.execPath, [repoPath('dist/bench/lib/group-member.js'), cfg.kafkaBrokers.join(','), topic, `${topic}-group`, String(SESSION_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen = new Map<number, number>();
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const m = JSON.parse(l) as { partition: number; at: number };
      seen.set(m.partition, m.at);
    });
    return { proc, seen };
  };
  const times: number[] = [];
  let a = member();
  const b = member();
  try {
    for (let i = 0; i < rounds; i++) {
      for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
        // settled: each member reads some partitions, together all 8
        const now = Date.now();
        const fresh = (m: typeof a) => [...m.seen].filter(([, at]) => now - at < 500).map(([p]) => p);
        if (fresh(a).length && fresh(b).length && new Set([...fresh(a), ...fresh(b)]).size === 8) break;
        if (now > deadline) throw new Error('the floor group did not settle');
      }
      const lost = [...a.seen].filter(([, at]) => Date.now() - at < 500).map(([p]) => p);
      const killed = Date.now();
      a.proc.kill('SIGKILL');
      for (const deadline = Date.now() + 60_000; !lost.every((p) => (b.seen.get(p) ?? 0) > killed); await sleep(20)) {
        if (Date.now() > deadline) throw new Error('the survivor never read the lost partitions');
      }
      times.push((Math.max(...lost.map((p) => b.seen.get(p)!)) - killed) / 1000);
      process.stdout.write(`  floor round ${i + 1}: ${times[times.length - 1]!.toFixed(2)} s\n`);
      a = member();
    }
  } finally {
    a.proc.kill('SIGKILL');
    b.proc.kill('SIGKILL');
    producing = false;
    await pump;
    await producer.disconnect();
  }
  return times;
}

const floorTimes = await floor(ROUNDS);
const takeover = await service(2, ROUNDS, false);
const restart = await service(1, ROUNDS, true);
const baseline = { name: 'plain kafkajs group member killed with -9 (same session timeout)', value: median(floorTimes) };
const detail = { session_timeout_ms: SESSION_MS, symbols: SYMBOLS, events_per_s: 2000, floor: spread(floorTimes) };
writeResult({ name: 'failover-takeover', metric: 'kill -9 of a core to every symbol advancing on an edge, another core taking over (median)', value: median(takeover), unit: 's', baseline, detail: { ...detail, service: spread(takeover) } });
writeResult({ name: 'failover-restart', metric: 'kill -9 of the only core and its restart to every symbol advancing on an edge (median)', value: median(restart), unit: 's', baseline, detail: { ...detail, service: spread(restart) } });
process.exit(0);
