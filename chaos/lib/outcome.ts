// A chaos scenario's outcome: its headline figure beside a same-run baseline (written as a
// bench/results/chaos-*.json result), every other figure, and the targets it is held to.
import { writeResult, type BenchResult } from '../../bench/lib/result.js';

export type Size = 'short' | 'full';

/** A figure's bound: `max` is the largest acceptable value (0 for "none lost"), `min` the smallest. */
export interface Target {
  figure: string;
  max?: number;
  min?: number;
}

export interface ChaosOutcome {
  name: string;
  metric: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  size: Size;
  figures: Record<string, unknown>;
  targets: Target[];
}

/** Targets the figures do not meet, as sentences (empty when every one is met). */
export function missed(o: ChaosOutcome): string[] {
  const out: string[] = [];
  for (const t of o.targets) {
    const v = Number(o.figures[t.figure]);
    if (!Number.isFinite(v)) out.push(`${t.figure} was not measured`);
    else if (t.max !== undefined && v > t.max) out.push(`${t.figure} = ${v}, target ≤ ${t.max}`);
    else if (t.min !== undefined && v < t.min) out.push(`${t.figure} = ${v}, target ≥ ${t.min}`);
  }
  return out;
}

export function record(o: ChaosOutcome): BenchResult {
  return writeResult({
    name: o.name,
    metric: o.metric,
    value: o.value,
    unit: o.unit,
    baseline: o.baseline,
    detail: { size: o.size, figures: o.figures, targets: o.targets, missed: missed(o) },
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const percentile = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Microseconds since the epoch, comparable with the simulator's send_time_us stamps. */
export const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

/** The latencies (ms) of the samples taken inside [from, to). */
export const latenciesIn = (samples: { at: number; ms: number }[], from: number, to: number): number[] => samples.filter((s) => s.at >= from && s.at < to).map((s) => s.ms);
