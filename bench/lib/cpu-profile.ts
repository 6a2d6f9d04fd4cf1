// Where a process spent its time: a V8 .cpuprofile (node --cpu-prof) summed by self time, per
// function and per area (the service's own modules, each package, GC, idle), written next to the
// benchmark results so the next person starts from data.
import { readFileSync, writeFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a frame belongs to: a package, the service's own code, Node's internals, or V8's bookkeeping. */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(src\/[^/]+)\//.exec(url);
  return own ? own[1]! : 'other';
}

export interface ProfileSummary {
  name: string;
  profiled_ms: number;
  detail: Record<string, unknown>;
  by_area: { area: string; percent: number }[];
  top_self_time: { function: string; where: string; area: string; percent: number }[];
}

const WINDOW_US = 500_000;

/**
 * The samples from the first to the last half second in which the process was at least 80 % busy:
 * a run's own span, without its start-up and the wait for its shutdown (idle by then).
 */
function busySpan(p: CpuProfile, byId: Map<number, ProfileNode>): [number, number] {
  const windows: { busy: number; all: number; first: number; last: number }[] = [];
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    const w = (windows[Math.floor(t / WINDOW_US)] ??= { busy: 0, all: 0, first: i, last: i });
    w.last = i;
    w.all += dt;
    if (byId.get(p.samples[i]!)!.callFrame.functionName !== '(idle)') w.busy += dt;
  }
  const busy = windows.filter((w) => w && w.all > 0 && w.busy / w.all >= 0.8);
  return busy.length ? [busy[0]!.first, busy[busy.length - 1]!.last + 1] : [0, p.samples.length];
}

/** `busyOnly`: only the span of the run the process was busy in (see busySpan). */
export function writeProfileSummary(name: string, file: string, detail: Record<string, unknown>, top = 40, busyOnly = false): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let total = 0;
  const [from, to] = busyOnly ? busySpan(p, byId) : [0, p.samples.length];
  for (let i = from; i < to; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const fns = new Map<string, { function: string; where: string; area: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${url.replace(/^.*?\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const area = areaOf(url, functionName);
    const f = fns.get(key) ?? { function: functionName || '(anonymous)', where, area, us: 0 };
    f.us += us;
    fns.set(key, f);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const share = (us: number) => Number(((100 * us) / total).toFixed(2));
  const out: ProfileSummary = {
    name,
    profiled_ms: Math.round(total / 1000),
    detail,
    by_area: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, percent: share(us) })),
    top_self_time: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ function: f.function, where: f.where, area: f.area, percent: share(f.us) })),
  };
  writeFileSync(repoPath('bench/results', `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${name}: ${out.by_area.slice(0, 8).map((a) => `${a.area} ${a.percent}%`).join(', ')}\n`);
  return out;
}
