// Outside venues: how many venue messages one process takes in, normalizes (exact books diffed
// into our deltas, trades, tickers) and publishes to the hub per second, beside ccxt alone
// consuming the same streams with no work; and stand-in send → hub publish latency. The
// stand-ins run in their own process at full speed (every venue of src/venues/adapters; 3 symbols each).
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
import { freePort } from '../test/support/service.js';

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

const port = await freePort();
// a step every ms, 20 at a time: as fast as the stand-ins go on this machine
const standIns = spawn(process.execPath, [repoPath('dist/src/sim/exchanges-main.js'), '--port', String(port), '--venue-step-ms', '1', '--venue-steps', '20'], { stdio: 'ignore' });
await sleep(1500);
const base = `http://127.0.0.1:${port}`;
const runs: { alone: number; ours: number; p50: number; p99: number; outputs: number }[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const alone = await ccxtAlone(base);
    const ours = await service(base);
    runs.push({ alone, ours: ours.rate, p50: ours.p50, p99: ours.p99, outputs: ours.outputs });
    process.stdout.write(`run ${i + 1}: ccxt alone ${Math.round(alone)} msg/s; normalized and published ${Math.round(ours.rate)} msg/s (${Math.round(ours.outputs)} outputs/s), send → publish p50 ${ours.p50} ms p99 ${ours.p99} ms\n`);
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
process.exit(0);
