// Malformed engine messages at volume, mixed into a normal simulator run on engine.event.v1:
// random bytes, a wrong magic byte, schema ids the registry never issued, valid Avro of another
// record type, Avro bodies cut short, ~900 KB messages (the broker refuses anything past its
// 1 MiB max.message.bytes, so 10 MB cannot reach a consumer), and valid events of real symbols
// with absurd sequences (far in the future, negative) or timestamps (30 days off, with a past
// sequence). A WebSocket client follows every symbol meanwhile; its engine → client latency in the
// window with the flood is compared with the calm window before it, in the same run.
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../../test/support/kafka.js';
import { isolatedEnv, startService } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';
import type { EngineFloodArgs, EngineFloodReport } from '../load/engine-flood.js';
import { stackPid } from '../../bench/lib/cpu-usage.js';
import { cpuBetween } from '../lib/cpu-windows.js';
import { startLoad, type LoadProcess } from '../lib/load-process.js';
import { keepLog, resetLogs } from '../lib/logs.js';
import { type ChaosOutcome, latenciesIn, nowUs, percentile, round, type Size, sleep } from '../lib/outcome.js';
import { knownSymbols, metricSum, metricsText } from '../lib/probes.js';

const SIZES = {
  short: { messages: 10_000, symbols: 4, rate: 2000, windowS: 10 },
  full: { messages: 100_000, symbols: 10, rate: 5000, windowS: 30 },
} as const;

type Kind = 'random_bytes' | 'bad_magic' | 'unknown_schema' | 'wrong_schema' | 'cut_avro' | 'huge' | 'future_sequence' | 'negative_sequence' | 'absurd_timestamp';
const KINDS: Kind[] = ['random_bytes', 'bad_magic', 'unknown_schema', 'wrong_schema', 'cut_avro', 'huge', 'future_sequence', 'negative_sequence', 'absurd_timestamp'];
/** The DLQ reason each kind must be filed under (random bytes are too short or have a bad magic byte). */
const REASONS: Record<Kind, string[]> = {
  random_bytes: ['too_short', 'bad_magic'],
  bad_magic: ['bad_magic'],
  unknown_schema: ['unknown_schema'],
  wrong_schema: ['wrong_schema'],
  cut_avro: ['bad_avro'],
  huge: ['bad_avro', 'bad_magic'],
  future_sequence: ['sequence_out_of_range'],
  negative_sequence: ['sequence_out_of_range'],
  absurd_timestamp: ['timestamp_out_of_range'],
};

export async function badInput(size: Size): Promise<ChaosOutcome> {
  const p = SIZES[size];
  const cfg = loadConfig();
  const kafka = createKafka(cfg.kafkaBrokers, 'chaos-bad-input', createLogger('silent'));
  resetLogs('bad-input');
  const { prefix, env } = isolatedEnv({ WS_RATE_MAX_MSGS_PER_SEC: '5000' });
  const svc = await startService(env);
  let flood: LoadProcess<EngineFloodReport> | undefined;
  const ws = new WebSocket(`ws://127.0.0.1:${svc.httpPort}/ws`);
  const samples: { at: number; ms: number }[] = [];
  ws.on('message', (data: Buffer) => {
    const s = data.toString();
    const at = s.indexOf('"sent_us":');
    if (at > 0) samples.push({ at: Date.now(), ms: (nowUs() - Number(/^\d+/.exec(s.slice(at + 10))?.[0] ?? 0)) / 1000 });
  });
  try {
    const sim = runSim(['--symbols', String(p.symbols), '--rate', String(p.rate), '--duration', String(2 * p.windowS + 25), '--seed', '12'], env);
    sim.catch(() => undefined);
    const symbols = await knownSymbols(svc, p.symbols);
    await new Promise((r) => (ws.readyState === WebSocket.OPEN ? r(undefined) : ws.once('open', r)));
    for (const symbol of symbols) for (const channel of ['trades', 'book']) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol }));
    await sleep(5000);

    // the flood comes from a process of its own, started (given 3 s to connect) before the calm window
    const calmFrom = Date.now() + 3000;
    const floodAt = calmFrom + p.windowS * 1000;
    flood = startLoad<EngineFloodArgs, EngineFloodReport>('engine-flood', { prefix, symbols, messages: p.messages, windowS: p.windowS, startAt: floodAt, kinds: KINDS });
    // what the cores did in each window: the flood's generator shares them with the service
    const pids = () => ({ service: svc.proc.pid, kafka: stackPid('kafka', 9092), flood: flood?.pid, client: process.pid });
    const cpu = Promise.all([cpuBetween(calmFrom, p.windowS * 1000, pids), cpuBetween(floodAt, p.windowS * 1000, pids)]);
    const report = await flood.report;
    const [cpuCalm, cpuFlood] = await cpu;
    const sent = report.sent as Record<Kind, number>;
    const floodFrom = report.from;
    const floodTo = report.to;
    await sim;
    await sleep(3000);

    const alive = svc.proc.exitCode === null;
    const metrics = alive ? await metricsText(svc) : '';
    const dlq = await readTopics(kafka, [`${prefix}md.dlq.v1`], 300_000, 4000);
    const byReason: Record<string, number> = {};
    for (const m of dlq) {
      const reason = String(m.headers?.['dlq.reason'] ?? 'none');
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }
    const injected = KINDS.reduce((a, k) => a + sent[k], 0);
    // every reason the kinds map to, counted once
    const expectedReasons = new Set(KINDS.flatMap((k) => (sent[k] ? REASONS[k] : [])));
    const filed = [...expectedReasons].reduce((a, r) => a + (byReason[r] ?? 0), 0);
    const lat = (from: number, to: number) => latenciesIn(samples, from, to);
    const calm = lat(calmFrom, floodAt);
    const flooded = lat(floodFrom, floodTo);
    const figures = {
      injected,
      by_kind: sent,
      crashes: alive ? 0 : 1,
      dlq_messages: dlq.length,
      dlq_by_reason: byReason,
      dlq_missing: injected - filed,
      counted_in_metrics: metricSum(metrics, 'md_ingest_rejected_total') + metricSum(metrics, 'md_dlq_messages_total'),
      latency_ms_p50_calm: round(percentile(calm, 50), 1),
      latency_ms_p99_calm: round(percentile(calm, 99), 1),
      latency_ms_p50_flood: round(percentile(flooded, 50), 1),
      latency_ms_p99_flood: round(percentile(flooded, 99), 1),
      latency_samples: calm.length + flooded.length,
      cpu_calm: cpuCalm,
      cpu_flood: cpuFlood,
    };
    return {
      name: 'chaos-bad-input',
      metric: `engine → WebSocket latency p99 of the good symbols while ${injected.toLocaleString('en-US')} malformed messages were mixed in (${p.rate.toLocaleString('en-US')} good events/s)`,
      value: figures.latency_ms_p99_flood,
      unit: 'ms',
      baseline: { name: 'the same client in the calm window before', value: figures.latency_ms_p99_calm },
      size,
      figures,
      targets: [
        { figure: 'crashes', max: 0 },
        { figure: 'dlq_missing', max: 0 },
        { figure: 'counted_in_metrics', min: injected },
        // latency is a measurement on a shared 2-core machine: held to its target in full runs only
        ...(size === 'full' ? [{ figure: 'latency_ms_p99_flood', max: round(figures.latency_ms_p99_calm * 1.1, 1) }] : []),
      ],
    };
  } finally {
    ws.terminate();
    await flood?.stop();
    await svc.stop();
    keepLog('bad-input', svc);
  }
}
