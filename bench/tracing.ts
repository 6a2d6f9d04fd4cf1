// The cost of tracing on the hot path: engine events (the simulator's, decoded) through the
// ingest step into MarketState, with tracing off (a no-op), on at the default 1 % sampling
// (spans exported over OTLP/HTTP to a local endpoint), and on for every event (what sampling saves).
import { createServer } from 'node:http';
import { EventStep } from '../src/ingest/event-step.js';
import { createLogger } from '../src/obs/logger.js';
import { Tracing } from '../src/obs/tracing.js';
import { simulatedEvents } from './lib/engine-events.js';
import { medianSeconds, writeResult } from './lib/result.js';

const N = 400_000;
const TAKE_EVERY = 1000; // outputs taken as the consumer does, once per Kafka batch
const { events, freshState } = simulatedEvents(N);
for (const e of events) e.send_time_us = Date.now() * 1000;

let exported = 0;
const sink = createServer((req, res) => {
  req.on('data', (d: Buffer) => (exported += d.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const otlpUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/v1/traces`;
const log = createLogger('info'); // debug lines are off, as in production

function eventsPerSecond(tracing: Tracing): number {
  const seconds = medianSeconds(3, () => {
    const state = freshState();
    const step = new EventStep(state, tracing, log);
    const now = Date.now();
    for (let i = 0; i < N; i++) {
      step.run(events[i]!, now, 0, i);
      if (i % TAKE_EVERY === TAKE_EVERY - 1) {
        state.takeOutput();
        step.takeTraced();
      }
    }
  });
  return N / seconds;
}

const off = eventsPerSecond(Tracing.disabled());
const sampled = Tracing.create({ enabled: true, otlpUrl, sampleRatio: 0.01 });
const onSampled = eventsPerSecond(sampled);
const every = Tracing.create({ enabled: true, otlpUrl, sampleRatio: 1 });
const onAll = eventsPerSecond(every);
await sampled.shutdown();
await every.shutdown();
sink.close();

writeResult({
  name: 'tracing',
  metric: 'ingest step with tracing on (1 % of events traced, OTLP/HTTP export)',
  value: onSampled,
  unit: 'events/s',
  baseline: { name: 'the same with tracing off', value: off },
  detail: { events: N, symbols: 10, every_event_traced_events_per_s: Math.round(onAll), every_event_traced_ratio: Number((onAll / off).toFixed(3)), exported_bytes: exported },
});
