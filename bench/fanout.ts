// Fan-out per CPU-second: 10,000 WebSocket clients (ticker + trades + book of one symbol each) served
// by one edge, by two edges (half each), and by Centrifugo (the fan-out reference, built from the
// Go module proxy by stack/centrifugo.sh) fed the very messages an edge sends: a tap client on the
// edge forwards every frame of every symbol to Centrifugo's HTTP batch API, on channels of the same
// name (channel.SYMBOL: Centrifugo's ':' names a namespace). Messages delivered per second, and per CPU-second of the serving processes: an edge's count
// includes its own md.* consumption and decoding; Centrifugo's excludes its feeding. The floor of that
// consumption, in the same window as the idle edge: two consumers of the same md.* topics that do no
// work (bench/lib/plain-follower.ts), kafkajs as published and as the service runs it.
// Run: make bench  (or: node --expose-gc dist/bench/fanout.js; FANOUT_CLIENTS, FANOUT_RATE, FANOUT_SECONDS)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { repoPath } from '../src/paths.js';
import { startCluster } from '../test/support/cluster.js';
import { freePort, isolatedEnv, type RunningService } from '../test/support/service.js';
import { startSim } from '../test/support/sim.js';
import { cpuWindow } from './lib/cpu-usage.js';
import { writeResult } from './lib/result.js';

const CLIENTS = Number(process.env.FANOUT_CLIENTS ?? 10_000);
const SYMBOLS = 50;
const RATE = Number(process.env.FANOUT_RATE ?? 500);
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 15);
const CHANNELS = ['ticker', 'trades', 'book'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Counter {
  on: boolean;
  n: number;
  closed: number;
  /** Close codes of the sockets closed so far. */
  codes: Record<number, number>;
}

interface Window {
  messages: number;
  seconds: number;
  /** CPU-seconds of the serving processes over the window. */
  cpuSeconds: number;
  cpu: Record<string, number>;
  closed: number;
  closeCodes: Record<number, number>;
}

/** Opens `count` sockets a few hundred at a time; `onOpen` subscribes each, `count(frame)` is how many messages a frame holds. */
async function openClients(count: number, url: (i: number) => string, onOpen: (ws: WebSocket, i: number) => void, counter: Counter, messagesIn: (frame: Buffer, ws: WebSocket) => number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(url(i));
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      const n = messagesIn(data, ws);
      if (counter.on) counter.n += n;
    });
    ws.on('open', () => onOpen(ws, i));
    ws.on('close', (code: number) => {
      counter.closed++;
      counter.codes[code] = (counter.codes[code] ?? 0) + 1;
    });
    ws.on('error', () => undefined);
    if (i % 500 === 499) await sleep(50);
  }
  return sockets;
}

/** Counts messages over the window while the clients are connected and subscribed. */
async function measure(counter: Counter, pids: Record<string, number | undefined>): Promise<Window> {
  await sleep(5000); // connected, subscribed, snapshots sent
  const closedBefore = counter.closed;
  const usage = cpuWindow(pids);
  const t0 = performance.now();
  counter.n = 0;
  counter.on = true;
  await sleep(SECONDS * 1000);
  counter.on = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = usage.stop();
  const cpuSeconds = Object.keys(pids).reduce((a, name) => a + (cpu[`${name}_cores`] ?? 0) * seconds, 0);
  return { messages: counter.n, seconds, cpuSeconds, cpu, closed: counter.closed - closedBefore, closeCodes: { ...counter.codes } };
}

const ourFrame = () => 1; // one message per frame
const subscribeOurs = (symbols: string[]) => (ws: WebSocket, i: number) => {
  for (const channel of CHANNELS) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol: symbols[i % symbols.length] }));
};

async function throughEdges(edges: RunningService[], symbols: string[]): Promise<Window> {
  const counter: Counter = { on: false, n: 0, closed: 0, codes: {} };
  const sockets = await openClients(CLIENTS, (i) => `ws://127.0.0.1:${edges[i % edges.length]!.httpPort}/ws`, subscribeOurs(symbols), counter, ourFrame);
  const w = await measure(counter, Object.fromEntries(edges.map((e, i) => [`edge${i}`, e.proc.pid])));
  for (const ws of sockets) ws.terminate();
  await sleep(2000);
  return w;
}

/** The binary stack/centrifugo.sh builds (the one place its version is named: .tools/centrifugo-vX.Y.Z/), built once per run. */
const centrifugoBin = execFileSync('bash', [repoPath('stack/centrifugo.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const centrifugoVersion = /centrifugo-(v[\d.]+)/.exec(centrifugoBin)?.[1] ?? 'unknown version';

/** Centrifugo on a free port, anonymous clients allowed to subscribe to any channel. */
async function startCentrifugo(): Promise<{ proc: ChildProcess; port: number; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'centrifugo-'));
  const config = {
    log: { level: 'error' },
    http_server: { address: '127.0.0.1', port },
    client: { insecure: true, allowed_origins: ['*'] },
    http_api: { key: 'k' },
    channel: { without_namespace: { allow_subscribe_for_anonymous: true, allow_subscribe_for_client: true } },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const proc = spawn(centrifugoBin, ['--config', join(dir, 'config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const deadline = Date.now() + 30_000; ; await sleep(200)) {
    if (Date.now() > deadline) throw new Error('Centrifugo did not answer within 30 s');
    const ok = await fetch(`http://127.0.0.1:${port}/api/info`, { method: 'POST', headers: { 'X-API-Key': 'k' }, body: '{}' }).then((r) => r.ok, () => false);
    if (ok) break;
  }
  return { proc, port, stop: () => proc.kill('SIGKILL') };
}

/** A client of the edge on every symbol's channels whose frames go on to Centrifugo, batched every 10 ms. */
function tap(edge: RunningService, centrifugoPort: number, symbols: string[]): { subscribed: Promise<void>; published: () => number; failures: () => number; reasons: Record<string, number>; received: Record<string, number>; stop: () => void } {
  const received: Record<string, number> = {};
  let pending: { publish: { channel: string; data: unknown } }[] = [];
  let published = 0;
  let failures = 0;
  /** Why publishes failed: Centrifugo's error, the HTTP status, or the request's own failure. */
  const reasons: Record<string, number> = {};
  const failedFor = (why: string, n: number) => {
    reasons[why] = (reasons[why] ?? 0) + n;
    failures += n;
  };
  const ws = new WebSocket(`ws://127.0.0.1:${edge.httpPort}/ws`);
  const subscribed = new Promise<void>((resolve) =>
    ws.on('open', async () => {
      // within the server's 50 frames per second per connection
      const subscribes = symbols.flatMap((symbol) => CHANNELS.map((channel) => JSON.stringify({ op: 'subscribe', channel, symbol })));
      for (let i = 0; i < subscribes.length; i++) {
        if (i > 0 && i % 40 === 0) await sleep(1100);
        ws.send(subscribes[i]!);
      }
      resolve();
    }),
  );
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type?: string; channel?: string; symbol?: string; conflated?: boolean; code?: string };
    const kind = `${frame.type}${frame.conflated ? '/conflated' : ''}${frame.code ? `/${frame.code}` : ''}`;
    received[kind] = (received[kind] ?? 0) + 1;
    const channel = frame.type === 'book' || frame.type === 'trades' || frame.type === 'ticker' ? frame.type : undefined;
    if (channel && frame.symbol) pending.push({ publish: { channel: `${channel}.${frame.symbol}`, data: frame } });
  });
  // whatever the edge sent while the previous request was out goes in the next one
  let running = true;
  void (async () => {
    while (running) {
      if (!pending.length) {
        await sleep(5);
        continue;
      }
      const commands = pending;
      pending = [];
      try {
        const r = await fetch(`http://127.0.0.1:${centrifugoPort}/api/batch`, { method: 'POST', headers: { 'X-API-Key': 'k', 'Content-Type': 'application/json' }, body: JSON.stringify({ commands }) });
        const body = (await r.json().catch(() => ({}))) as { replies?: { error?: { code?: number; message?: string } }[] };
        const refused = r.ok ? (body.replies ?? []).filter((x) => x.error) : [];
        if (!r.ok) failedFor(`http ${r.status}`, commands.length);
        for (const x of refused) failedFor(`${x.error!.code} ${x.error!.message}`, 1);
        published += r.ok ? commands.length - refused.length : 0;
      } catch (err) {
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
        failedFor(`${(err as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}`, commands.length);
      }
    }
  })();
  return { subscribed, published: () => published, failures: () => failures, reasons, received, stop: () => ((running = false), ws.terminate()) };
}

async function throughCentrifugo(edge: RunningService, symbols: string[]): Promise<Window & { published: number; publishFailures: number; failureReasons: Record<string, number>; tapReceived: Record<string, number> }> {
  const cf = await startCentrifugo();
  try {
    return await centrifugoWindow(cf.port, cf.proc.pid, edge, symbols);
  } finally {
    cf.stop();
  }
}

async function centrifugoWindow(port: number, pid: number | undefined, edge: RunningService, symbols: string[]): Promise<Window & { published: number; publishFailures: number; failureReasons: Record<string, number>; tapReceived: Record<string, number> }> {
  const feed = tap(edge, port, symbols);
  await feed.subscribed;
  await sleep(1000); // the last acknowledgements and snapshots
  const counter: Counter = { on: false, n: 0, closed: 0, codes: {} };
  let id = 0;
  const sockets = await openClients(
    CLIENTS,
    () => `ws://127.0.0.1:${port}/connection/websocket`,
    (ws, i) => {
      const symbol = symbols[i % symbols.length]!;
      ws.send([{ id: ++id, connect: {} }, ...CHANNELS.map((c) => ({ id: ++id, subscribe: { channel: `${c}.${symbol}` } }))].map((c) => JSON.stringify(c)).join('\n'));
    },
    counter,
    // Centrifugo coalesces pushes into one frame, a JSON object per line: count publications
    (frame, ws) => {
      const s = frame.toString();
      // Centrifugo's ping is an empty object, alone or on a line of a coalesced frame: unanswered, it disconnects the client
      if (s === '{}' || s.startsWith('{}\n') || s.includes('\n{}')) ws.send('{}');
      let n = 0;
      for (let at = s.indexOf('"pub":'); at >= 0; at = s.indexOf('"pub":', at + 6)) n++;
      return n;
    },
  );
  const w = await measure(counter, { centrifugo: pid });
  const out = { ...w, published: feed.published(), publishFailures: feed.failures(), failureReasons: { ...feed.reasons }, tapReceived: feed.received };
  for (const ws of sockets) ws.terminate();
  feed.stop();
  return out;
}

const { env } = isolatedEnv({ LOG_LEVEL: 'error', WS_RATE_MAX_MSGS_PER_SEC: '1000', WS_MAX_SUBSCRIPTIONS: String(SYMBOLS * CHANNELS.length) });
const cluster = await startCluster(env, 1, 2);
let sim: ReturnType<typeof startSim> | undefined;
try {
  sim = startSim(['--symbols', String(SYMBOLS), '--rate', String(RATE), '--duration', String(3 * (SECONDS + 25) + 90), '--seed', '11'], env, 900_000);
  let simError: unknown;
  sim.done.catch((err: unknown) => (simError = err));
  const edge = cluster.edges[0]!;
  let symbols: string[] = [];
  for (const deadline = Date.now() + 90_000; symbols.length < SYMBOLS; await sleep(500)) {
    if (simError || Date.now() > deadline) throw new Error(`the edge did not know ${SYMBOLS} symbols (${simError ? String(simError) : 'timed out'})`);
    symbols = ((await (await fetch(`${edge.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol);
  }
  // what following md.* alone costs an edge (no client): the part of its CPU that does not grow with
  // clients; beside it, in the same window, the floor: consumers of the same topics doing no work
  const floors = ['published', 'patched'].map((mode) => {
    const proc = spawn(process.execPath, [repoPath('dist/bench/lib/plain-follower.js'), env.TOPIC_PREFIX!, mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<string>((resolve) => proc.on('exit', () => resolve(out)));
    return { proc, exited, running: () => proc.exitCode === null && proc.signalCode === null };
  });
  await sleep(8000); // joined, at the ends of their partitions
  const idle = cpuWindow({ edge0: edge.proc.pid, floor_published: floors[0]!.proc.pid, floor_patched: floors[1]!.proc.pid });
  await sleep(SECONDS * 1000);
  const idleCpu = idle.stop();
  // a floor that died early would read as a floor of 0 cores
  if (!floors.every((f) => f.running())) throw new Error('a plain md.* follower (bench/lib/plain-follower.ts) exited before the end of its window');
  const followCores = idleCpu.edge0_cores ?? 0;
  const floorReads = await Promise.all(floors.map((f) => (f.proc.kill('SIGTERM'), f.exited.then((out) => JSON.parse(out.trim()) as unknown))));
  const followFloor = { kafkajs_cores: idleCpu.floor_published_cores ?? 0, kafkajs_patched_cores: idleCpu.floor_patched_cores ?? 0, reads: floorReads };
  const one = await throughEdges([edge], symbols);
  const two = await throughEdges(cluster.edges, symbols);
  const cf = await throughCentrifugo(edge, symbols);
  const perCpu = (w: Window) => w.messages / Math.max(w.cpuSeconds, 0.01);
  const figures = (w: Window) => ({ msgs_per_s: Math.round(w.messages / w.seconds), msgs_per_cpu_s: Math.round(perCpu(w)), cpu: w.cpu, clients_closed: w.closed, close_codes: w.closeCodes });
  const fanoutOnly = (w: Window, edges: number) => Math.round(w.messages / Math.max(w.cpuSeconds - followCores * edges * w.seconds, 0.01));
  const common = { clients: CLIENTS, symbols: SYMBOLS, rate_events_per_s: RATE, window_s: SECONDS, channels: CHANNELS };
  writeResult({
    name: 'fanout-edge-vs-centrifugo',
    metric: `messages delivered per CPU-second of the serving process, ${CLIENTS.toLocaleString('en-US')} clients (ticker + trades + book of one symbol each), one edge (its md.* consumption counted)`,
    value: Math.round(perCpu(one)),
    unit: 'msgs/CPU-s',
    baseline: { name: `Centrifugo ${centrifugoVersion} fed the same frames (HTTP batch API), same clients`, value: Math.round(perCpu(cf)) },
    detail: { ...common, edge_follow_md_cores_no_clients: followCores, follow_floor: followFloor, one_edge: { ...figures(one), msgs_per_cpu_s_above_following: fanoutOnly(one, 1) }, two_edges: { ...figures(two), msgs_per_cpu_s_above_following: fanoutOnly(two, 2) }, centrifugo: { ...figures(cf), published: cf.published, publish_failures: cf.publishFailures, publish_failure_reasons: cf.failureReasons, tap_received: cf.tapReceived }, target_ratio: 5 },
  });
  writeResult({
    name: 'fanout-two-edges',
    metric: `messages delivered per second to ${CLIENTS.toLocaleString('en-US')} clients through two edges (half each)`,
    value: Math.round(two.messages / two.seconds),
    unit: 'msgs/s',
    baseline: { name: 'the same clients on one edge', value: Math.round(one.messages / one.seconds) },
    detail: { ...common, one_edge: figures(one), two_edges: figures(two) },
  });
} finally {
  sim?.stop();
  await sim?.done.catch(() => undefined);
  await cluster.stop();
}
process.exit(0);
