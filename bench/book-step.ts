// One engine event through the core's in-process path, in ns/event: Avro decode → sequencing →
// book → candles and ticker → the take's output values (deltas with checksums, trades, candles,
// as buildMarketOutput makes them for the hub and md.*), beside Avro decode alone on the same
// messages. No Kafka, no stores: what the JavaScript thread pays per event before any I/O. Takes of
// 1,000 events (a busy consumer's batch) and, in detail, of 4 (what a core takes per Kafka batch at
// 5,000 events/s over 50 symbols): the per-take cost, checksums first, is what small takes pay.
// Run: make bench  (or: node --expose-gc dist/bench/book-step.js)
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { AvroDecoder, readSchemaFile, TopicEncoder } from '../src/contract/avro-codec.js';
import type { WireEngineEvent } from '../src/contract/engine-wire.js';
import { RECORD_NAME, SCHEMA_FILE } from '../src/contract/topics.js';
import { EventStep } from '../src/ingest/event-step.js';
import { buildMarketOutput } from '../src/ingest/output-builder.js';
import { createLogger } from '../src/obs/logger.js';
import { Tracing } from '../src/obs/tracing.js';
import { simulatedEvents } from './lib/engine-events.js';
import { writeResult } from './lib/result.js';

const N = 400_000;
const RUNS = 5;
const TAKE_EVERY = 1000; // outputs taken as the consumer does, once per Kafka batch
const SMALL_TAKE = 4;
const SCHEMA_ID = 1;

const { events, freshState } = simulatedEvents(N);
const schema = readSchemaFile(SCHEMA_FILE.events);
const encoder = new TopicEncoder<WireEngineEvent>('engine.event.v1', SCHEMA_ID, avro.Type.forSchema(schema as avro.Schema));
const messages = events.map((e) => encoder.encode({ ...e, send_time_us: Date.now() * 1000 }));
// the writer schema as the registry would serve it (the only registry call, before the timed part)
const decoder = new AvroDecoder({ getSchema: async () => schema } as unknown as SchemaRegistry);
await decoder.prepare(messages[0]!);
const log = createLogger('warn');
const name = RECORD_NAME.events;

function decodeOnly(): number {
  let n = 0;
  for (const m of messages) n += decoder.decodeSync<WireEngineEvent>(m, name).sequence > 0 ? 1 : 0;
  return n;
}

function wholeStep(takeEvery = TAKE_EVERY): number {
  const state = freshState();
  const step = new EventStep(state, Tracing.disabled(), log);
  const now = Date.now();
  let values = 0;
  for (let i = 0; i < N; i++) {
    step.run(decoder.decodeSync<WireEngineEvent>(messages[i]!, name), now, 0, i);
    if (i % takeEvery === takeEvery - 1) {
      const out = buildMarketOutput(state.takeOutput(), state, now);
      values += out.trades.length + out.deltas.length;
    }
  }
  return values;
}

const nsPerEvent = (fn: () => number) => {
  globalThis.gc?.();
  const t = process.hrtime.bigint();
  if (fn() <= 0) throw new Error('nothing happened');
  return Number(process.hrtime.bigint() - t) / N;
};
decodeOnly(); // warm-up
wholeStep();
wholeStep(SMALL_TAKE);
const decode: number[] = [];
const step: number[] = [];
const small: number[] = [];
for (let i = 0; i < RUNS; i++) {
  decode.push(nsPerEvent(decodeOnly));
  step.push(nsPerEvent(() => wholeStep()));
  small.push(nsPerEvent(() => wholeStep(SMALL_TAKE)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))];
writeResult({
  name: 'book-step',
  metric: 'one engine event through decode → sequence → book → candles/ticker → output values (one core)',
  value: Math.round(median(step)),
  unit: 'ns/event',
  baseline: { name: 'Avro decode alone (the same messages)', value: Math.round(median(decode)) },
  detail: { events: N, symbols: 10, runs: RUNS, take_every: TAKE_EVERY, step_spread_ns: spread(step), decode_spread_ns: spread(decode), events_per_s_one_core: Math.round(1e9 / median(step)), small_takes: { take_every: SMALL_TAKE, ns_per_event: Math.round(median(small)), spread_ns: spread(small) } },
});
