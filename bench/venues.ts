// Outside venues: how many venue messages one process takes in, normalizes (exact books diffed
// into our deltas, trades, tickers) and publishes to the hub per second, beside ccxt alone
// consuming the same streams with no work; stand-in send → hub publish latency; and stand-in send
// → client receipt: the real service (its own process, the same streams seeded by VENUE_STREAMS)
// and a real WebSocket client on every book. The stand-ins run in their own process at full speed
// (every venue of src/venues/adapters; 3 symbols each).
import { spawn } from 'node:child_process';
import ccxt, { type Exchange } from 'ccxt';
import { MarketHub } from '../src/api/market-hub.js';
import { createLogger } from '../src/obs/logger.js';
import { Metrics } from '../src/obs/metrics.js';
import { repoPath } from '../src/paths.js';
import { VENUES } from '../src/venues/adapters/index.js';
import { parseStreamSpec } from '../src/venues/stream-spec.js';
import { VenueStreams } from '../src/venues/venue-streams.js';
import { writeResult } from './lib/result.js';
import WebSocket from 'ws';
import { freePort, isolatedEnv, startService } from '../test/support/service.js';
import { testStores } from '../test/support/stores.js';
import { waitUntil } from '../test/support/stack.js';

const SECONDS = Number(process.env.BENCH_VENUE_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_VENUE_RUNS ?? 3);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
/** Each venue's ccxt symbol of the three pairs (a perpetual venue lists BTC/USDT:USDT). */
const VENUE_SYMBOLS = new Map<string, string[]>();
const symbolsOf = (ex: Exchange): string[] => {
  const markets = Object.values(ex.markets ?? {}) as { symbol: string; base: string; quote: string }[];
  return SYMBOLS.map((s) => markets.find((m) => m.symbol === s || `${m.base}/${m.quote}` === s)!.symbol);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the raw messages a ccxt instance handles. */
function counting(ex: Exchange): { n: number } {
  const c = { n: 0 };
  const raw = ex as unknown as { handleMessage(client: unknown, m: unknown): unknown };
  const h = raw.handleMessage.bind(ex);
  raw.handleMessage = (client, m) => {
    c.n++;
    return h(client, m);
  };
  return c;
}

async function ccxtAlone(base: string): Promise<number> {
  const pro = (ccxt as unknown as { pro: Record<string, new (c: object) => Exchange> }).pro;
  const exs = Object.values(VENUES).map((a) => new pro[a.ccxtId]!({ options: a.options, urls: a.urls(`${base}/${a.id}`) }));
  const counts = exs.map(counting);
  let stop = false;
  const loops: Promise<void>[] = [];
  for (const ex of exs) {
    await ex.loadHttpProxyAgent();
    await ex.loadMarkets();
    VENUE_SYMBOLS.set(String(ex.id), symbolsOf(ex));
    for (const s of VENUE_SYMBOLS.get(String(ex.id))!) loops.push((async () => { while (!stop) await ex.watchOrderBook(s).catch(() => sleep(100)); })());
  }
  await sleep(2000);
  const start = counts.reduce((a, c) => a + c.n, 0);
  await sleep(SECONDS * 1000);
  const rate = (counts.reduce((a, c) => a + c.n, 0) - start) / SECONDS;
  stop = true;
  await Promise.all(exs.map((e) => e.close()));
  return rate;
}

async function service(base: string): Promise<{ rate: number; p50: number; p99: number; outputs: number }> {
  const metrics = new Metrics();
  const streams = new VenueStreams(base, undefined, metrics, createLogger('silent'));
  const hub = new MarketHub(streams.market, { publish: () => undefined, wanted: () => true });
  const lat: number[] = [];
  let outputs = 0;
  streams.onOutput((out) => {
    hub.onOutput(out);
    outputs++;
    const now = Date.now();
    for (const d of out.deltas) lat.push(now - d.timestamp);
  });
  await streams.start([]);
  for (const venue of Object.keys(VENUES)) for (const s of VENUE_SYMBOLS.get(VENUES[venue]!.ccxtId)!) await streams.add(parseStreamSpec({ venue, symbol: s, kind: 'book', depth: 100 }));
  await sleep(2000);
  const frames = async () => (await metrics.venueFrames.get()).values.reduce((a, v) => a + v.value, 0);
  lat.length = 0;
  outputs = 0;
  const start = await frames();
  await sleep(SECONDS * 1000);
  const rate = ((await frames()) - start) / SECONDS;
  await streams.stop();
  lat.sort((a, b) => a - b);
  return { rate, p50: lat[Math.floor(lat.length / 2)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN, outputs: outputs / SECONDS };
}

/**
 * The service as a user runs it, its streams seeded, and one WebSocket client on every venue book:
 * for each delta, receipt time − the venue's event time (the stand-in's clock, this machine's).
 */
async function toClient(base: string): Promise<{ p50: number; p99: number; frames: number; books: number }> {
  const specs = Object.keys(VENUES).flatMap((venue) => VENUE_SYMBOLS.get(VENUES[venue]!.ccxtId)!.map((s) => ({ venue, symbol: s })));
  const { prefix, env } = isolatedEnv({
    VENUE_BASE_URL: base,
    VENUE_STREAMS: specs.map((x) => `${x.venue}:${x.symbol}@book:100`).join(','),
    // the budget of one client taking every book at full speed: no conflation in what is measured
    WS_RATE_MAX_MSGS_PER_SEC: '100000',
  });
  // databases of its own: the streams it seeds are stored, and must not be restored into anyone else's service
  const stores = await testStores(prefix);
  const svc = await startService({ ...env, ...stores.env, PERSIST_ENABLED: 'false' });
  const lat: number[] = [];
  const books = new Set<string>();
  let measuring = false;
  const ws = new WebSocket(`ws://127.0.0.1:${svc.httpPort}/ws`);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.on('message', (d) => {
      const at = Date.now();
      const f = JSON.parse(String(d)) as { type?: string; action?: string; ts?: number; symbol?: string };
      if (measuring && f.type === 'book' && f.action === 'delta' && typeof f.ts === 'number') {
        lat.push(at - f.ts);
        books.add(f.symbol!);
      }
    });
    // subscribed once the streams are up (a venue symbol is unknown until its stream has started)
    let streams: { id: string; state: string; last_error?: string }[] = [];
    await waitUntil('the seeded streams connected', async () => {
      ({ streams } = (await (await fetch(`${svc.baseUrl}/v1/streams`)).json()) as { streams: typeof streams });
      return streams.length === specs.length && streams.every((x) => x.state === 'connected');
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(streams.filter((x) => x.state !== 'connected'))} of ${streams.length}`);
    });
    for (const x of specs) ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: `${x.venue}:${x.symbol}` }));
    await sleep(3000); // snapshots in
    measuring = true;
    await sleep(SECONDS * 1000);
    measuring = false;
  } finally {
    ws.close();
    await svc.stop();
    await stores.drop();
  }
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length / 2)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN, frames: lat.length / SECONDS, books: books.size };
}

const port = await freePort();
// a step every ms, 20 at a time: as fast as the stand-ins go on this machine
const standIns = spawn(process.execPath, [repoPath('dist/src/sim/exchanges-main.js'), '--port', String(port), '--venue-step-ms', '1', '--venue-steps', '20'], { stdio: 'ignore' });
await sleep(1500);
const base = `http://127.0.0.1:${port}`;
const runs: { alone: number; ours: number; p50: number; p99: number; outputs: number; client: { p50: number; p99: number; frames: number; books: number } }[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const alone = await ccxtAlone(base);
    const ours = await service(base);
    const client = await toClient(base);
    runs.push({ alone, ours: ours.rate, p50: ours.p50, p99: ours.p99, outputs: ours.outputs, client });
    process.stdout.write(
      `run ${i + 1}: ccxt alone ${Math.round(alone)} msg/s; normalized and published ${Math.round(ours.rate)} msg/s (${Math.round(ours.outputs)} outputs/s), send → publish p50 ${ours.p50} ms p99 ${ours.p99} ms; ` +
        `service + WebSocket client: ${Math.round(client.frames)} deltas/s received on ${client.books} books, send → receipt p50 ${client.p50} ms p99 ${client.p99} ms\n`,
    );
  }
} finally {
  standIns.kill();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
writeResult({
  name: 'venues-throughput',
  metric: `venue book messages normalized and published per second (${Object.keys(VENUES).length * SYMBOLS.length} streams, ${Object.keys(VENUES).length} venues)`,
  value: median(runs.map((r) => r.ours)),
  unit: 'msgs/s',
  baseline: { name: 'ccxt pro alone, same streams, no work', value: median(runs.map((r) => r.alone)) },
  detail: { runs: RUNS, seconds: SECONDS, spread_ours: spread(runs.map((r) => r.ours)), spread_ccxt: spread(runs.map((r) => r.alone)) },
});
writeResult({
  name: 'venues-latency',
  metric: 'stand-in send → hub publish, p99',
  value: median(runs.map((r) => r.p99)),
  unit: 'ms',
  baseline: { name: 'the same, p50', value: Math.max(1, median(runs.map((r) => r.p50))) },
  detail: { runs: runs.map((r) => ({ p50: r.p50, p99: r.p99 })), note: 'millisecond clock of the venue event time; stand-ins in another process on the same 2 cores' },
});
writeResult({
  name: 'venues-client-latency',
  metric: 'stand-in send → WebSocket client receipt of the book delta (the service process, every venue book on one client), p99',
  value: median(runs.map((r) => r.client.p99)),
  unit: 'ms',
  baseline: { name: 'stand-in send → hub publish inside one process (no socket), p99', value: median(runs.map((r) => r.p99)) },
  detail: { runs: runs.map((r) => r.client), note: 'millisecond clock of the venue event time; stand-ins, service and client share the 2 cores' },
});
process.exit(0);
