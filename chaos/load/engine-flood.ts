// Malformed engine messages produced onto engine.event.v1 (the bad-input scenario's flood), spread
// over a window in batches every 100 ms, each kind in turn. Runs in its own process (startLoad).
import { randomBytes } from 'node:crypto';
import { Partitioners } from '../../src/ingest/kafkajs.js';
import { loadConfig } from '../../src/config.js';
import { registerTopicSchema } from '../../src/contract/avro-codec.js';
import type { WireEngineEvent, WireInstrument } from '../../src/contract/engine-wire.js';
import { engineTopics, SCHEMA_FILE } from '../../src/contract/topics.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { serveLoad } from '../lib/load-process.js';
import { nowUs, sleep } from '../lib/outcome.js';

export interface EngineFloodArgs {
  prefix: string;
  symbols: string[];
  messages: number;
  windowS: number;
  /** When to start (ms since the epoch): connecting and registering happen before, outside the window. */
  startAt: number;
  /** The kinds, sent in turn (the scenario's list: it checks each against its DLQ reason). */
  kinds: string[];
}

export interface EngineFloodReport {
  sent: Record<string, number>;
  /** When the first and the last batch went out (ms since the epoch). */
  from: number;
  to: number;
}

serveLoad<EngineFloodArgs, EngineFloodReport>(async (a) => {
  const cfg = loadConfig();
  const kafka = createKafka(cfg.kafkaBrokers, 'chaos-engine-flood', createLogger('silent'));
  const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
  const topics = engineTopics(a.prefix);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const events = await registerTopicSchema<WireEngineEvent>(registry, topics.events, SCHEMA_FILE.events);
  const instruments = await registerTopicSchema<WireInstrument>(registry, topics.instrumentCreated, SCHEMA_FILE.instrumentCreated);
  const event = (symbol: string, sequence: number, timestamp: number): WireEngineEvent => ({
    symbol, sequence, timestamp, send_time_us: Math.round(nowUs()), kind: 'BOOK_DELTA', trade: null, open_interest: null,
    book_delta: { bids: [{ price: '-1', quantity: '-5' }], asks: [] },
  });
  const build = (kind: string, i: number): Buffer => {
    const symbol = a.symbols[i % a.symbols.length]!;
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
      default: throw new Error(`unknown kind ${kind}`);
    }
  };
  const sent: Record<string, number> = Object.fromEntries(a.kinds.map((k) => [k, 0]));
  // the huge ones are few (each is ~900 KB)
  const rounds = a.windowS * 10;
  const perRound = Math.ceil(a.messages / rounds);
  await sleep(Math.max(0, a.startAt - Date.now()));
  const from = Date.now();
  let i = 0;
  for (let r = 0; r < rounds && i < a.messages; r++) {
    const started = Date.now();
    const messages: { key: string; value: Buffer }[] = [];
    for (let k = 0; k < perRound && i < a.messages; k++, i++) {
      let kind = a.kinds[i % a.kinds.length]!;
      if (kind === 'huge' && sent.huge! >= Math.max(10, a.messages / 10_000)) kind = 'random_bytes';
      sent[kind]!++;
      messages.push({ key: a.symbols[i % a.symbols.length]!, value: build(kind, i) });
    }
    const huge = messages.filter((m) => m.value.length > 100_000);
    await producer.send({ topic: topics.events, messages: messages.filter((m) => m.value.length <= 100_000) });
    for (const m of huge) await producer.send({ topic: topics.events, messages: [m] });
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  const to = Date.now();
  await producer.disconnect();
  return { sent, from, to };
});
