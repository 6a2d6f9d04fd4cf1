// What the chaos scenarios watch from outside, as a user would: books advancing on REST, the
// process's resident memory, and the service's own counters.
import { readFileSync } from 'node:fs';
import { promByLabel, promSample } from '../../test/support/metrics.js';
import type { RunningService } from '../../test/support/service.js';
import { sleep } from './outcome.js';

/**
 * Where each symbol is on REST: its book's sequence and its last trade's sequence, as one number
 * pair. A book alone can move on the engine's snapshot topic; a new trade needs the event stream.
 */
export async function bookSeqs(svc: RunningService, symbols: string[]): Promise<Map<string, [number, number]>> {
  const get = async (path: string) => (await fetch(`${svc.baseUrl}${path}`, { signal: AbortSignal.timeout(2000) })).json();
  try {
    return new Map(
      await Promise.all(
        symbols.map(async (s) => {
          const book = (await get(`/v1/depth?symbol=${s}&depth=1`)) as { seq?: number };
          const trades = (await get(`/v1/trades?symbol=${s}&limit=1`)) as { trades?: { seq?: number; sequence?: number }[] };
          const t = trades.trades?.[0];
          return [s, [book.seq ?? -1, t?.seq ?? t?.sequence ?? -1]] as [string, [number, number]];
        }),
      ),
    );
  } catch {
    return new Map();
  }
}

/** Waits until every symbol on `svc` has a newer book and a newer trade than `from`; resolves with when (ms since epoch). */
export async function untilAdvancedPast(svc: () => RunningService, from: Map<string, [number, number]>, timeoutMs = 120_000): Promise<number> {
  const moved = new Set<string>();
  for (const deadline = Date.now() + timeoutMs; moved.size < from.size; await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`books and trades not advancing after ${timeoutMs} ms: ${[...from.keys()].filter((s) => !moved.has(s)).join(', ')}`);
    for (const [s, [book, trade]] of await bookSeqs(svc(), [...from.keys()])) {
      const [book0, trade0] = from.get(s)!;
      if (book > book0 && trade > trade0) moved.add(s);
    }
  }
  return Date.now();
}

export async function knownSymbols(svc: RunningService, count: number, timeoutMs = 90_000): Promise<string[]> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(200)) {
    const r = await fetch(`${svc.baseUrl}/v1/symbols`).then((x) => x.json() as Promise<{ symbols: { symbol: string }[] }>).catch(() => ({ symbols: [] }));
    if (r.symbols.length >= count) return r.symbols.map((s) => s.symbol);
    if (Date.now() > deadline) throw new Error(`only ${r.symbols.length} of ${count} symbols known after ${timeoutMs} ms`);
  }
}

export const rssMiB = (pid: number | undefined): number => {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
};

/** Samples a process's RSS every `everyMs` until stopped; the samples carry their time. */
export function rssSampler(pid: () => number | undefined, everyMs = 500): { samples: { at: number; mib: number }[]; stop(): void } {
  const samples: { at: number; mib: number }[] = [];
  const timer = setInterval(() => {
    const mib = rssMiB(pid());
    if (Number.isFinite(mib)) samples.push({ at: Date.now(), mib });
  }, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

export async function metricsText(svc: RunningService): Promise<string> {
  return (await fetch(`${svc.baseUrl}/metrics`)).text();
}

/** The sum of every series of `name` (all label sets). */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export { promByLabel, promSample };
