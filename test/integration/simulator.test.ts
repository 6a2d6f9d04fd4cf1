import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder, WireFormatError } from '../../src/contract/avro-codec.js';
import type { WireBookHash, WireBookSnapshot, WireEngineEvent, WireInstrument } from '../../src/contract/engine-wire.js';
import { engineTopics, RECORD_NAME } from '../../src/contract/topics.js';
import { bookChecksum } from '../../src/domain/book-checksum.js';
import { Books } from '../../src/domain/books.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../support/kafka.js';
import { runSim } from '../support/sim.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-sim', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));

describe('simulator through the real Kafka and schema registry', () => {
  it('publishes instruments first, then events whose deltas rebuild the engine’s final snapshot and hash', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}.`;
    const topics = engineTopics(prefix);
    const summary = await runSim(['--symbols', '3', '--rate', '4000', '--duration', '3', '--seed', '11', '--seed-levels', '60'], { TOPIC_PREFIX: prefix });
    assert.ok(summary.events >= 11_000, `events ${summary.events}`);

    const [instrumentMsgs, eventMsgs, snapMsgs, hashMsgs] = await Promise.all(
      [topics.instrumentCreated, topics.events, topics.snapshots, topics.bookhashes].map((t) => readTopics(kafka, [t])),
    );
    assert.equal(eventMsgs.length, summary.events, 'every event published exactly once without faults');
    for (const m of eventMsgs) assert.equal(m.value![0], 0, 'Confluent magic byte');
    const books = new Books();
    const firstEventTs = Math.min(...eventMsgs.map((m) => Number(m.timestamp)));
    for (const m of instrumentMsgs) {
      const i = await decoder.decode<WireInstrument>(m.value, RECORD_NAME.instrumentCreated);
      assert.equal(m.key!.toString(), i.symbol);
      assert.ok(Number(m.timestamp) <= firstEventTs, 'instrument published before the first event');
      books.upsertInstrument(
        makeInstrument({ symbol: i.symbol, base: i.base, quote: i.quote, kind: i.kind, status: i.status, tickSize: i.tick_size, lotSize: i.lot_size, perpetual: i.perpetual ? { indexSymbol: i.perpetual.index_symbol, fundingIntervalHours: i.perpetual.funding_interval_hours, interestRate: i.perpetual.interest_rate } : undefined }),
      );
    }
    assert.deepEqual(books.symbols().sort(), Object.keys(summary.final).sort());

    // per partition, in offset order: the symbol's own order
    const lastSeq = new Map<string, number>();
    for (const m of eventMsgs) {
      const e = await decoder.decode<WireEngineEvent>(m.value, RECORD_NAME.events);
      assert.equal(m.key!.toString(), e.symbol, 'keyed by symbol');
      assert.equal(e.sequence, (lastSeq.get(e.symbol) ?? 0) + 1, 'contiguous sequence');
      assert.ok(e.send_time_us > 1e15 && e.send_time_us <= Date.now() * 1000 + 1e6, 'wall-clock send time in µs');
      lastSeq.set(e.symbol, e.sequence);
      if (e.kind === 'BOOK_DELTA') assert.equal(books.applyDelta(e.symbol, e.book_delta!.bids, e.book_delta!.asks, e.sequence), undefined);
    }

    const latest = <T extends { symbol: string; sequence: number }>(items: T[]) => {
      const m = new Map<string, T>();
      for (const x of items) if ((m.get(x.symbol)?.sequence ?? -1) <= x.sequence) m.set(x.symbol, x);
      return m;
    };
    const snaps = latest(await Promise.all(snapMsgs.map((m) => decoder.decode<WireBookSnapshot>(m.value, RECORD_NAME.snapshots))));
    const hashes = latest(await Promise.all(hashMsgs.map((m) => decoder.decode<WireBookHash>(m.value, RECORD_NAME.bookhashes))));
    for (const symbol of books.symbols()) {
      const snap = snaps.get(symbol)!;
      assert.equal(snap.sequence, summary.final[symbol]!.sequence);
      const mine = books.wireDepth(symbol, Infinity)!;
      assert.deepEqual(mine.bids, snap.bids.map((l) => [l.price, l.quantity]));
      assert.deepEqual(mine.asks, snap.asks.map((l) => [l.price, l.quantity]));
      const inst = books.instrument(symbol)!;
      assert.equal(hashes.get(symbol)!.sequence, snap.sequence);
      assert.equal(hashes.get(symbol)!.hash, bookChecksum(books.book(symbol)!, inst.tick, inst.lot));
    }
  });

  it('injects the faults it reports: gaps, duplicates and undecodable messages are visible downstream', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}.`;
    const topics = engineTopics(prefix);
    const summary = await runSim(
      ['--symbols', '2', '--rate', '5000', '--duration', '2', '--seed', '5', '--gap-rate', '0.003', '--dup-rate', '0.003', '--bad-rate', '0.003', '--reorder-rate', '0.003', '--cross-rate', '0.003'],
      { TOPIC_PREFIX: prefix },
    );
    for (const [k, n] of Object.entries(summary.faults)) assert.ok(n > 0, `${k} injected`);
    const msgs = await readTopics(kafka, [topics.events]);
    assert.equal(msgs.length, summary.events - summary.faults.gap + summary.faults.duplicate + summary.faults.bad);
    let undecodable = 0;
    const seen = new Map<string, Set<number>>();
    let duplicates = 0;
    for (const m of msgs) {
      try {
        const e = await decoder.decode<WireEngineEvent>(m.value, RECORD_NAME.events);
        const s = seen.get(e.symbol) ?? new Set<number>();
        if (s.has(e.sequence)) duplicates++;
        s.add(e.sequence);
        seen.set(e.symbol, s);
      } catch (err) {
        assert.ok(err instanceof WireFormatError, String(err));
        undecodable++;
      }
    }
    assert.equal(undecodable, summary.faults.bad);
    assert.equal(duplicates, summary.faults.duplicate);
    const delivered = [...seen.values()].reduce((a, s) => a + s.size, 0);
    assert.equal(delivered, summary.events - summary.faults.gap, 'each gap is one sequence never delivered');
  });
});
