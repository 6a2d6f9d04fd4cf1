// Malformed engine messages at volume, mixed into a normal simulator run on engine.event.v1:
// random bytes, a wrong magic byte, schema ids the registry never issued, valid Avro of another
// record type, Avro bodies cut short, ~900 KB messages (the broker refuses anything past its
// 1 MiB max.message.bytes, so 10 MB cannot reach a consumer), and valid events of real symbols
// with absurd sequences (far in the future, negative) or timestamps (30 days off, with a past
// sequence). A WebSocket client follows every symbol meanwhile; its engine → client latency in the
// window with the flood is compared with the calm window before it, in the same run.
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { registerTopicSchema } from '../../src/contract/avro-codec.js';
import type { WireEngineEvent, WireInstrument } from '../../src/contract/engine-wire.js';
import { engineTopics, SCHEMA_FILE } from '../../src/contract/topics.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../../test/support/kafka.js';
import { isolatedEnv, startService } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';
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
  const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
  resetLogs('bad-input');
  const { prefix, env } = isolatedEnv({ WS_RATE_MAX_MSGS_PER_SEC: '5000' });
  const topics = engineTopics(prefix);
  const svc = await startService(env);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
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
    await producer.connect();
    const events = await registerTopicSchema<WireEngineEvent>(registry, topics.events, SCHEMA_FILE.events);
    const instruments = await registerTopicSchema<WireInstrument>(registry, topics.instrumentCreated, SCHEMA_FILE.instrumentCreated);
    await sleep(5000);

    const calmFrom = Date.now();
    await sleep(p.windowS * 1000);
    const floodFrom = Date.now();
    const sent: Record<Kind, number> = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
    const event = (symbol: string, sequence: number, timestamp: number): WireEngineEvent => ({
      symbol, sequence, timestamp, send_time_us: Math.round(nowUs()), kind: 'BOOK_DELTA', trade: null, open_interest: null,
      book_delta: { bids: [{ price: '-1', quantity: '-5' }], asks: [] },
    });
    const build = (kind: Kind, i: number): Buffer => {
      const symbol = symbols[i % symbols.length]!;
      switch (kind) {
        case 'random_bytes': return randomBytes(1 + (i % 200));
        case 'bad_magic': { const b = events.encode(event(symbol, 1, Date.now())); b[0] = 1 + (i % 254); return b; }
        case 'unknown_schema': { const b = events.encode(event(symbol, 1, Date.now())); b.writeInt32BE(900_000 + (i % 50), 1); return b; }
        case 'wrong_schema': return instruments.encode({ symbol, base: 'X', quote: 'Y', kind: 'spot', tick_size: '0.01', lot_size: '0.001', status: 'trading', perpetual: null, timestamp: Date.now() });
        case 'cut_avro': return events.encode(event(symbol, 1, Date.now())).subarray(0, 9);
        case 'huge': { const b = randomBytes(900_000); b[0] = 0; b.writeInt32BE(events.schemaId, 1); return b; }
        case 'future_sequence': return events.encode(event(symbol, 2 ** 50 + i, Date.now()));
        case 'negative_sequence': return events.encode(event(symbol, -1 - i, Date.now()));
        case 'absurd_timestamp': return events.encode(event(symbol, 1, Date.now() + 30 * 86_400_000));
      }
    };
    // spread over the window in batches every 100 ms; the huge ones are few (each is ~900 KB)
    const rounds = p.windowS * 10;
    const perRound = Math.ceil(p.messages / rounds);
    let i = 0;
    for (let r = 0; r < rounds && i < p.messages; r++) {
      const started = Date.now();
      const messages: { key: string; value: Buffer }[] = [];
      for (let k = 0; k < perRound && i < p.messages; k++, i++) {
        let kind = KINDS[i % KINDS.length]!;
        if (kind === 'huge' && sent.huge >= Math.max(10, p.messages / 10_000)) kind = 'random_bytes';
        sent[kind]++;
        messages.push({ key: symbols[i % symbols.length]!, value: build(kind, i) });
      }
      const huge = messages.filter((m) => m.value.length > 100_000);
      await producer.send({ topic: topics.events, messages: messages.filter((m) => m.value.length <= 100_000) });
      for (const m of huge) await producer.send({ topic: topics.events, messages: [m] });
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
    const floodTo = Date.now();
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
    const calm = lat(calmFrom, floodFrom);
    const flood = lat(floodFrom, floodTo);
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
      latency_ms_p50_flood: round(percentile(flood, 50), 1),
      latency_ms_p99_flood: round(percentile(flood, 99), 1),
      latency_samples: calm.length + flood.length,
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
    await producer.disconnect().catch(() => undefined);
    await svc.stop();
    keepLog('bad-input', svc);
  }
}
