import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bookChecksum } from '../../src/domain/book-checksum.js';
import { Books } from '../../src/domain/books.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import type { WireEngineEvent } from '../../src/contract/engine-wire.js';
import { FaultInjector, NO_FAULTS } from '../../src/sim/faults.js';
import { Simulation } from '../../src/sim/simulation.js';

const options = { symbols: 4, seed: 7, startTime: 1_700_000_000_000, snapshotIntervalMs: 1000, hashIntervalMs: 500, seedLevels: 50, maxOrders: 800 };

function run(sim: Simulation, batches: number, size = 500): WireEngineEvent[] {
  const out: WireEngineEvent[] = [];
  for (let i = 0; i < batches; i++) out.push(...sim.next(size, options.startTime + i * 100).events);
  return out;
}

describe('engine simulator', () => {
  it('is deterministic for a seed, and differs for another seed', () => {
    const a = JSON.stringify(run(new Simulation(options), 20));
    const b = JSON.stringify(run(new Simulation(options), 20));
    const c = JSON.stringify(run(new Simulation({ ...options, seed: 8 }), 20));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('publishes an internally consistent market: contiguous sequences, trades at the best level, deltas that rebuild the engine book, never crossed', () => {
    const sim = new Simulation(options);
    const books = new Books();
    for (const m of sim.models) books.upsertInstrument(m.instrument);
    const lastSeq = new Map<string, number>();
    const sweep = new Map<string, { taker: string; price: number; filled: number }>();
    let trades = 0;
    for (let i = 0; i < 60; i++) {
      for (const e of sim.next(500, options.startTime + i * 100).events) {
        assert.equal(e.sequence, (lastSeq.get(e.symbol) ?? 0) + 1, `${e.symbol} sequence`);
        lastSeq.set(e.symbol, e.sequence);
        const book = books.book(e.symbol)!;
        const inst = books.instrument(e.symbol)!;
        if (e.kind === 'TRADE') {
          trades++;
          // A taker's fills come first, then one delta. The first fill is at the best opposite level;
          // later fills of the same sweep walk away from it, each within a level's size.
          const t = e.trade!;
          const side = t.taker_side === 'buy' ? book.asks : book.bids;
          const price = inst.tick.toUnits(t.price);
          const qty = inst.lot.toUnits(t.quantity);
          const run = sweep.get(e.symbol);
          if (!run || run.taker !== t.taker_order_id) {
            assert.equal(price, side.bestPrice(), 'a sweep starts at the best level');
            sweep.set(e.symbol, { taker: t.taker_order_id, price, filled: qty });
          } else {
            assert.ok(t.taker_side === 'buy' ? price >= run.price : price <= run.price, 'a sweep walks away from the top');
            run.filled = price === run.price ? run.filled + qty : qty;
            run.price = price;
          }
          assert.ok(qty > 0);
          assert.ok(sweep.get(e.symbol)!.filled <= side.sizeAt(price), 'fills never exceed the level');
        } else {
          sweep.delete(e.symbol);
          assert.equal(books.applyDelta(e.symbol, e.book_delta!.bids, e.book_delta!.asks, e.sequence), undefined);
          assert.equal(book.isCrossed(), false, `${e.symbol} crossed at ${e.sequence}`);
        }
      }
    }
    assert.ok(trades > 1000, `only ${trades} trades`);
    for (const m of sim.models) {
      const mine = books.book(m.instrument.symbol)!;
      assert.deepEqual(mine.depth(Infinity), m.engine.book.depth(Infinity));
      assert.ok(m.engine.book.bids.length > 20 && m.engine.book.asks.length > 20, 'books keep depth');
    }
    const hashes = sim.hashes(0);
    for (const h of hashes) {
      const inst = books.instrument(h.symbol)!;
      assert.equal(h.hash, bookChecksum(books.book(h.symbol)!, inst.tick, inst.lot));
      assert.equal(h.sequence, lastSeq.get(h.symbol));
    }
  });

  it('emits snapshots and hashes when their interval falls due on the engine clock', () => {
    const sim = new Simulation(options);
    const got = [0, 400, 600, 999, 1000, 1600, 2100].map((dt) => sim.next(10, options.startTime + dt));
    assert.deepEqual(got.map((b) => b.snapshots.length > 0), [false, false, false, false, true, false, true]);
    assert.deepEqual(got.map((b) => b.hashes.length > 0), [false, false, true, false, true, true, true]);
    const snap = got[4]!.snapshots[0]!;
    const prices = snap.bids.map((l) => Number(l.price));
    assert.deepEqual(prices, [...prices].sort((a, b) => b - a), 'snapshot bids best first');
  });

  it('injects each fault at its rate, on its own random stream', () => {
    const events = run(new Simulation(options), 40);
    const encode = (e: WireEngineEvent) => Buffer.from(JSON.stringify(e));
    const inst = makeInstrument({ symbol: 'X', base: 'X', quote: 'Y', kind: 'spot', status: 'trading', tickSize: '1', lotSize: '1' });
    const clean = new FaultInjector(NO_FAULTS, 1, () => inst, () => 100).apply(events, encode);
    assert.equal(clean.length, events.length);
    const faulty = new FaultInjector({ gap: 0.01, duplicate: 0.02, reorder: 0.01, bad: 0.01, crossed: 0.01 }, 1, () => inst, () => 100);
    const out = faulty.apply(events, encode);
    const c = faulty.counts;
    for (const [k, n] of Object.entries(c)) assert.ok(n > 0, `${k} injected`);
    assert.equal(out.length, events.length - c.gap + c.duplicate + c.bad);
    const expected = events.length;
    assert.ok(Math.abs(c.duplicate - expected * 0.02) < expected * 0.01, `duplicates ${c.duplicate} of ${expected}`);
  });
});
