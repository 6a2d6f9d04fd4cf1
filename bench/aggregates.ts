// Cost per trade of candles (six intervals) + the 24h ticker, beside the cost of decoding that
// trade's Avro message; and the CPU of the index worker with 50 indices (4 sources each, polled
// every 500 ms through ccxt against the local stand-ins), beside the same worker with 5.
import { spawn } from 'node:child_process';
import avro from 'avsc';
import { readSchemaFile } from '../src/contract/avro-codec.js';
import { loadConfig } from '../src/config.js';
import { mdTopics } from '../src/contract/topics.js';
import { MarketState } from '../src/ingest/market-state.js';
import { TradeAggregates, type ClosedCandle } from '../src/ingest/trade-aggregates.js';
import { Metrics } from '../src/obs/metrics.js';
import { createLogger } from '../src/obs/logger.js';
import { PricingWorker } from '../src/pricing/pricing-worker.js';
import { Simulation } from '../src/sim/simulation.js';
import { Random } from '../src/sim/random.js';
import { repoPath } from '../src/paths.js';
import { medianSeconds, writeResult } from './lib/result.js';

// ---- candles + ticker ----
const N = 1_000_000;
const r = new Random(5);
const prices = new Float64Array(N);
const qtys = new Float64Array(N);
const ts = new Float64Array(N);
let p = 640_000;
let t = Date.UTC(2026, 0, 1);
for (let i = 0; i < N; i++) {
  p += r.int(-2, 2);
  t += r.int(0, 20);
  prices[i] = p;
  qtys[i] = r.int(1, 500);
  ts[i] = t;
}
const aggSeconds = medianSeconds(5, () => {
  const a = new TradeAggregates();
  const closed: ClosedCandle[] = [];
  for (let i = 0; i < N; i++) {
    a.onTrade('BTCUSDT-PERP', i, prices[i]!, qtys[i]!, ts[i]!, closed);
    if (closed.length > 10_000) closed.length = 0;
  }
  a.ticker('BTCUSDT-PERP')!.stats(t);
});
const type = avro.Type.forSchema(readSchemaFile('engine.event.v1.avsc') as avro.Schema);
const sim = new Simulation({ symbols: 1, seed: 1, startTime: Date.UTC(2026, 0, 1), snapshotIntervalMs: 1e9, hashIntervalMs: 1e9, seedLevels: 50, maxOrders: 500 });
const tradeEvents = sim.next(20_000, 0).events.filter((e) => e.kind === 'TRADE').map((e) => type.toBuffer({ ...e, send_time_us: 1 }));
const decodeSeconds = medianSeconds(5, () => {
  for (let i = 0; i < N; i++) type.fromBuffer(tradeEvents[i % tradeEvents.length]!);
});
writeResult({
  name: 'candles-ticker',
  metric: 'cost per trade of six candle intervals + the rolling 24h ticker',
  value: (aggSeconds / N) * 1e9,
  unit: 'ns/trade',
  baseline: { name: 'Avro decode of the same trade event', value: (decodeSeconds / N) * 1e9 },
  detail: { trades: N },
});

// ---- index worker CPU ----
const port = 19_000 + Math.floor(Math.random() * 1000);
const fake = spawn(process.execPath, [repoPath('dist/src/sim/exchanges-main.js'), '--port', String(port)], { stdio: 'ignore' });
await new Promise((res) => setTimeout(res, 1500));
const cfg = loadConfig({ INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${port}`, INDEX_POLL_MS: '500' });
async function workerCpu(indices: number): Promise<number> {
  const state = new MarketState({ duplicate() {}, gap() {}, resync() {}, hash() {}, rejected() {}, candleClosed() {}, lateTrade() {} });
  for (const i of new Simulation({ ...sim.opts, symbols: indices * 2 }).instruments().filter((x) => x.kind === 'perpetual').slice(0, indices)) state.onInstrument(i);
  const worker = new PricingWorker(cfg.pricing, state, undefined as never, undefined as never, mdTopics(''), new Metrics(), createLogger('silent'));
  await worker.loadSources();
  worker.startLoops();
  await new Promise((res) => setTimeout(res, 2000)); // warm up
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((res) => setTimeout(res, 10_000));
  const c = process.cpuUsage(c0);
  const pct = ((c.user + c.system) / 1000 / (performance.now() - w0)) * 100;
  await worker.stop();
  return pct;
}
const small = await workerCpu(5);
const large = await workerCpu(50);
fake.kill();
writeResult({
  name: 'index-worker',
  metric: 'CPU of the index worker with 50 indices × 4 sources polled every 500 ms (ccxt REST) and computed every second',
  value: large,
  unit: '% of one core',
  baseline: { name: 'the same worker with 5 indices', value: small },
  detail: { requests_per_second: (50 * 4 * 1000) / 500 },
});
