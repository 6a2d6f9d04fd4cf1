import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';
import { loadWsEngine } from '../../src/runtime/ws-engine.js';

/** One benchmark figure beside the peer it is compared with, measured in the same run. */
export interface BenchResult {
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  /** value / baseline.value (how many times the baseline; > 1 is better for rates, < 1 for costs). */
  ratio: number;
  /** Free-form context: sizes, runs, spread. */
  detail?: Record<string, unknown>;
  /** The runtime the benchmark (and the services it spawned) ran on. */
  runtime?: { node: string; ws_engine: string; date?: string; machine?: string };
}

/** `BENCH_TAG=node22` names the results of a run on another runtime `NAME-node22`, beside the default ones. */
const tag = process.env.BENCH_TAG ? `-${process.env.BENCH_TAG}` : '';

/** The machine a figure was measured on (results from several sessions sit side by side in the reports). */
export function machineName(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
}

function runtime(): BenchResult['runtime'] {
  const { info } = loadWsEngine();
  return { node: process.version, ws_engine: `${info.package} ${info.binary.split('/').pop()}`, date: new Date().toISOString().slice(0, 10), machine: machineName() };
}

export function writeResult(r: Omit<BenchResult, 'ratio' | 'runtime'>): BenchResult {
  const result: BenchResult = { ...r, name: `${r.name}${tag}`, ratio: Number((r.value / r.baseline.value).toFixed(3)), runtime: runtime() };
  mkdirSync(repoPath('bench/results'), { recursive: true });
  writeFileSync(repoPath('bench/results', `${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `${result.name}: ${r.metric} ${fmt(r.value)} ${r.unit}; ${r.baseline.name} ${fmt(r.baseline.value)} ${r.unit}; ratio ${result.ratio}\n`,
  );
  return result;
}

const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(4));

/** Median of several timed runs of fn (after one warm-up), in seconds per run. */
export function medianSeconds(runs: number, fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
