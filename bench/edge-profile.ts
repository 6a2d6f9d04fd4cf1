// Where a core and an edge spend their time under the edge-latency load (20,000 events/s over 50
// symbols, one client on book + trades through the edge): both run under the CPU profiler and their
// profiles are summed by self time into bench/results/core-profile.json and edge-profile.json. The
// one result (edge-idle) is the edge's idle share beside the core's: an edge waiting for records
// is not short of CPU.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startCluster } from '../test/support/cluster.js';
import { isolatedEnv } from '../test/support/service.js';
import { runSim } from '../test/support/sim.js';
import { writeProfileSummary, type ProfileSummary } from './lib/cpu-profile.js';
import { writeResult } from './lib/result.js';

const SYMBOLS = 50;
const RATE = 20_000;
const SECONDS = Number(process.env.BENCH_EDGE_PROFILE_S ?? 25);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'edge-prof-'));
// every service this process starts runs under the profiler (test/support/service.ts reads it)
process.env.SERVICE_NODE_ARGS = `${process.env.SERVICE_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${dir}`;
const { env } = isolatedEnv({ LOG_LEVEL: 'error', WS_RATE_MAX_MSGS_PER_SEC: '1000' });
const cluster = await startCluster(env, 1, 1);
const core = cluster.cores[0]!;
const edge = cluster.edges[0]!;
const corePid = core.proc.pid;
const edgePid = edge.proc.pid;
let received = 0;
try {
  const sim = runSim(['--symbols', String(SYMBOLS), '--rate', String(RATE), '--duration', String(SECONDS + 20), '--seed', '10'], env);
  let simError: unknown;
  sim.catch((err: unknown) => (simError = err));
  let symbols: string[] = [];
  for (const deadline = Date.now() + 90_000; symbols.length < SYMBOLS; await sleep(200)) {
    if (simError || Date.now() > deadline) throw new Error(`the edge did not learn ${SYMBOLS} symbols (${simError ? String(simError) : 'timed out'})`);
    symbols = ((await (await fetch(`${edge.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol);
  }
  const ws = new WebSocket(`ws://127.0.0.1:${edge.httpPort}/ws`);
  ws.on('message', () => received++);
  ws.on('open', () => {
    for (const channel of ['book', 'trades']) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol: symbols[0] }));
  });
  await sim;
  ws.terminate();
  if (received === 0) throw new Error('the client on the edge received nothing');
} finally {
  await cluster.stop(); // SIGTERM: the profiles are written on a clean exit
}

const fileOf = (pid: number | undefined) => readdirSync(dir).find((f) => f.endsWith(`.${pid}.0.001.cpuprofile`));
const summaries: Record<string, ProfileSummary> = {};
for (const [name, pid] of [['core-profile', corePid], ['edge-profile', edgePid]] as const) {
  const file = fileOf(pid);
  if (!file) throw new Error(`no CPU profile of ${name} (pid ${pid}) in ${dir}`);
  summaries[name] = writeProfileSummary(name, join(dir, file), { symbols: SYMBOLS, events_per_s: RATE, clients: 1, client_messages: received });
}
rmSync(dir, { recursive: true, force: true });
const idle = (s: ProfileSummary) => s.by_area.find((a) => a.area === '(idle)')?.percent ?? 0;
writeResult({
  name: 'edge-idle',
  metric: `share of the edge's profile spent idle (waiting for md.* records), ${RATE.toLocaleString('en-US')} events/s over ${SYMBOLS} symbols, one client`,
  value: idle(summaries['edge-profile']!),
  unit: '%',
  baseline: { name: "the core's idle share in the same run", value: idle(summaries['core-profile']!) },
  detail: { seconds: SECONDS, client_messages: received, core_top_areas: summaries['core-profile']!.by_area.slice(0, 8), edge_top_areas: summaries['edge-profile']!.by_area.slice(0, 8) },
});
