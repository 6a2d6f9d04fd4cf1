// Soak: a steady load for a long time (an hour at full size) with many clients on book and trades
// at 50 messages/s each. RSS, heap and event-loop lag are sampled throughout; the figures are their
// levels and their slopes over the second half of the run (after warm-up), and how the per-client
// and per-stream state behaves when the clients leave (the service's RSS after they are gone).
import WebSocket from 'ws';
import { isolatedEnv, startService } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';
import { cpuWindow } from '../../bench/lib/cpu-usage.js';
import { loadConfig } from '../../src/config.js';
import { keepLog, resetLogs } from '../lib/logs.js';
import { type ChaosOutcome, percentile, round, type Size, sleep } from '../lib/outcome.js';
import { knownSymbols, metricsText, promByLabel, promSample, rssMiB } from '../lib/probes.js';

const SIZES = {
  short: { clients: 200, symbols: 10, rate: 5000, seconds: 40 },
  full: { clients: 1000, symbols: 10, rate: 5000, seconds: 3600 },
} as const;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : NaN;
}

/** At most n items of xs, evenly spaced, the last always among them. */
function pick<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

const mib = (bytes: Record<string, number>) => Object.fromEntries(Object.entries(bytes).map(([k, v]) => [k, round(v / 2 ** 20, 1)]));

export async function soak(size: Size): Promise<ChaosOutcome> {
  // CHAOS_SOAK_S shortens or lengthens a run (the figures say how long it was)
  const p = { ...SIZES[size], seconds: Number(process.env.CHAOS_SOAK_S ?? SIZES[size].seconds) };
  resetLogs('soak');
  const { env } = isolatedEnv({ LOG_LEVEL: 'warn' });
  const svc = await startService(env);
  const url = `ws://127.0.0.1:${svc.httpPort}/ws`;
  const clients: WebSocket[] = [];
  let received = 0;
  try {
    const sim = runSim(['--symbols', String(p.symbols), '--rate', String(p.rate), '--duration', String(p.seconds + 40), '--seed', '15'], { ...env, SIM_OUTAGE_TOLERANCE_S: '60' }, (p.seconds + 200) * 1000);
    sim.catch(() => undefined);
    const symbols = await knownSymbols(svc, p.symbols);
    const rssStart = rssMiB(svc.proc.pid);
    for (let i = 0; i < p.clients; i++) {
      const ws = new WebSocket(url);
      clients.push(ws);
      ws.on('error', () => undefined);
      ws.on('message', () => received++);
      ws.on('open', () => {
        ws.send(JSON.stringify({ op: 'config', maxMsgsPerSec: 50 }));
        for (const channel of ['book', 'trades']) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol: symbols[i % symbols.length] }));
      });
      if (i % 100 === 99) await sleep(50);
    }
    const t0 = Date.now();
    const cpu = cpuWindow({ service: svc.proc.pid });
    const gcAtStart = promByLabel(await metricsText(svc), 'nodejs_gc_duration_seconds_sum', 'kind');
    const points: { s: number; rss: number; heap: number; heapTotal: number; external: number; native: number; sendBuffered: number; lagP99: number; spaces: Record<string, number> }[] = [];
    const every = size === 'full' ? 10_000 : 2000;
    while (Date.now() - t0 < p.seconds * 1000) {
      await sleep(every);
      const m = await metricsText(svc);
      const rss = rssMiB(svc.proc.pid);
      const heapTotal = (promSample(m, 'nodejs_heap_size_total_bytes') ?? NaN) / 2 ** 20;
      const external = (promSample(m, 'nodejs_external_memory_bytes') ?? NaN) / 2 ** 20;
      points.push({
        s: (Date.now() - t0) / 1000,
        rss,
        heap: (promSample(m, 'nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20,
        heapTotal,
        external,
        // what RSS holds beyond V8's heap and the buffers it knows of: native allocations (uWS, libuv, malloc)
        native: rss - heapTotal - external,
        // of which: bytes waiting in the clients' send buffers
        sendBuffered: (promSample(m, 'md_ws_send_buffered_bytes') ?? NaN) / 2 ** 20,
        lagP99: (promSample(m, 'nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
        // V8's heap by space (new, old, code, large objects...), as reserved: where a peak of the heap sits
        spaces: promByLabel(m, 'nodejs_heap_space_size_total_bytes', 'space'),
      });
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const messagesPerS = received / elapsedS;
    const cores = cpu.stop();
    // what the heap's growth setting costs: garbage collection's share of the run, by kind
    const gcAtEnd = promByLabel(await metricsText(svc), 'nodejs_gc_duration_seconds_sum', 'kind');
    const gcPercent = Object.fromEntries(Object.entries(gcAtEnd).map(([k, v]) => [k, round((100 * (v - (gcAtStart[k] ?? 0))) / elapsedS, 2)]));
    // what the structures held under load, and after the clients left (md_retained_items)
    const retained = (m: string) => promByLabel(m, 'md_retained_items', 'structure');
    const retainedUnderLoad = retained(await metricsText(svc));
    for (const ws of clients) ws.terminate();
    await sleep(5000);
    const rssAfterClients = rssMiB(svc.proc.pid);
    const after = await metricsText(svc);
    const wsClientsAfter = promSample(after, 'md_ws_clients') ?? NaN;
    const retainedAfter = retained(after);
    const second = points.slice(Math.floor(points.length / 2));
    const peak = points.reduce((a, b) => (b.rss > a.rss ? b : a));
    const perHour = (k: 'rss' | 'heap' | 'heapTotal' | 'external' | 'native') => round(slope(second.map((x) => x.s), second.map((x) => x[k])) * 3600, 1);
    const figures = {
      seconds: p.seconds,
      clients: p.clients,
      events_per_s: p.rate,
      messages_per_s_to_clients: Math.round(messagesPerS),
      service_cores: cores.service_cores,
      machine_cores: cores.machine_cores,
      gc_percent_of_run: gcPercent,
      // the service's own setting (it inherits this environment)
      heap_growing_percent: loadConfig().heapGrowingPercent,
      rss_mib_start: round(rssStart, 0),
      rss_mib_max: round(Math.max(...points.map((x) => x.rss)), 0),
      rss_mib_end: round(points[points.length - 1]!.rss, 0),
      rss_slope_mib_per_hour: perHour('rss'),
      heap_mib_max: round(Math.max(...points.map((x) => x.heap)), 0),
      heap_slope_mib_per_hour: perHour('heap'),
      // where RSS is: V8's heap as reserved, external buffers, and the rest (native)
      heap_total_mib_end: round(points[points.length - 1]!.heapTotal, 0),
      heap_total_slope_mib_per_hour: perHour('heapTotal'),
      external_mib_end: round(points[points.length - 1]!.external, 0),
      external_slope_mib_per_hour: perHour('external'),
      native_mib_end: round(points[points.length - 1]!.native, 0),
      native_slope_mib_per_hour: perHour('native'),
      ws_send_buffered_mib_max: round(Math.max(...points.map((x) => x.sendBuffered)), 0),
      ws_send_buffered_mib_end: round(points[points.length - 1]!.sendBuffered, 0),
      event_loop_lag_ms_p99_max: round(Math.max(...points.map((x) => x.lagP99)), 1),
      event_loop_lag_ms_p99_median: round(percentile(points.map((x) => x.lagP99), 50), 1),
      rss_mib_after_clients_left: round(rssAfterClients, 0),
      ws_clients_after_they_left: wsClientsAfter,
      ws_subscriptions_after_they_left: retainedAfter.ws_subscriptions ?? NaN,
      ws_catching_up_after_they_left: retainedAfter.ws_catching_up ?? NaN,
      retained_under_load: retainedUnderLoad,
      retained_after_clients_left: retainedAfter,
      samples: points.length,
      rss_max_at_s: round(peak.s, 0),
      heap_spaces_mib_at_rss_max: mib(peak.spaces),
      // every sample (at most 120, evenly picked), so the next person sees when a peak came
      series: pick(points, 120).map((x) => ({ s: round(x.s, 0), rss: round(x.rss, 0), heap: round(x.heap, 0), heap_total: round(x.heapTotal, 0), native: round(x.native, 0), lag_p99_ms: round(x.lagP99, 0) })),
      // the allocator's arenas (glibc keeps freed memory per arena): unset means glibc's default (8 per core)
      malloc_arena_max: process.env.MALLOC_ARENA_MAX ?? 'default',
    };
    await sim.catch(() => undefined);
    return {
      name: 'chaos-soak',
      metric: `RSS slope over the second half of ${p.seconds.toLocaleString('en-US')} s at ${p.rate.toLocaleString('en-US')} events/s with ${p.clients.toLocaleString('en-US')} clients (book + trades, 50 msgs/s each)`,
      value: figures.rss_slope_mib_per_hour,
      unit: 'MiB/h',
      baseline: { name: 'RSS at the start (MiB)', value: figures.rss_mib_start },
      size,
      figures,
      targets: [
        { figure: 'ws_clients_after_they_left', max: 0 },
        { figure: 'ws_subscriptions_after_they_left', max: 0 },
        { figure: 'ws_catching_up_after_they_left', max: 0 },
        // the bound at this load; the short run holds a regression guard only
        { figure: 'rss_mib_max', max: size === 'full' ? 400 : 500 },
        ...(size === 'full' ? [{ figure: 'rss_slope_mib_per_hour', max: 20 }] : []),
      ],
    };
  } finally {
    for (const ws of clients) ws.terminate();
    await svc.stop();
    keepLog('soak', svc);
  }
}
