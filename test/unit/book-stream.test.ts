import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BookStream } from '../../src/api/book-stream.js';
import { checksumOfStrings } from '../../src/domain/book-checksum.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { OrderBook } from '../../src/domain/order-book.js';

const inst = makeInstrument({ symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.1', lotSize: '0.001' });

/** A client: applies snapshot/delta JSON and checks each checksum. */
function client() {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  let seq = -1;
  let bad = 0;
  const sorted = (m: Map<string, string>, desc: boolean) => [...m].sort((a, b) => (desc ? inst.tick.toUnits(b[0]) - inst.tick.toUnits(a[0]) : inst.tick.toUnits(a[0]) - inst.tick.toUnits(b[0])));
  return {
    apply(json: string) {
      const m = JSON.parse(json) as { action: string; seq: number; prev_seq?: number; bids: [string, string][]; asks: [string, string][]; checksum: number };
      if (m.action === 'snapshot') {
        bids.clear();
        asks.clear();
      } else assert.equal(m.prev_seq, seq, 'chains from the previous seq');
      for (const [p, q] of m.bids) (/^0(\.0*)?$/.test(q) ? bids.delete(p) : bids.set(p, q));
      for (const [p, q] of m.asks) (/^0(\.0*)?$/.test(q) ? asks.delete(p) : asks.set(p, q));
      seq = m.seq;
      if (checksumOfStrings(sorted(bids, true).slice(0, 25), sorted(asks, false).slice(0, 25), 25) !== m.checksum) bad++;
    },
    state: () => ({ seq, bids: sorted(bids, true), asks: sorted(asks, false), bad }),
  };
}

const updates = fc.array(
  fc.array(fc.record({ side: fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), offset: fc.integer({ min: 1, max: 60 }), size: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 8 }),
  { minLength: 1, maxLength: 40 },
);

describe('book stream (WebSocket book channel)', () => {
  for (const group of [1, 5]) {
    it(`group ${group}: live deltas, merged catch-ups and resumes all rebuild the grouped book with matching checksums`, () => {
      fc.assert(
        fc.property(updates, fc.nat(), (batches, cut) => {
          const book = new OrderBook();
          const s = new BookStream('BTC-USDT', inst, group);
          const live = client();
          live.apply(s.reset(book, 0, 'in_sync', 0, false));
          const late = client();
          const lateAt = cut % batches.length;
          let lateSeq = -1;
          batches.forEach((batch, i) => {
            const changed = { bids: new Map<number, number>(), asks: new Map<number, number>() };
            for (const u of batch) {
              const price = u.side === 'bid' ? 10_000 - u.offset : 10_000 + u.offset;
              book.set(u.side, price, u.size);
              (u.side === 'bid' ? changed.bids : changed.asks).set(price, u.size);
            }
            const d = s.delta(book, i + 1, changed, i, 0);
            if (d) live.apply(s.json(d));
            if (i === lateAt) {
              late.apply(s.snapshotJson(book, 'in_sync', i));
              lateSeq = s.seq;
            }
          });
          const want = { bids: book.bids.grouped(Infinity, group).map(([p, q]) => [inst.tick.format(p), inst.lot.format(q)]), asks: book.asks.grouped(Infinity, group).map(([p, q]) => [inst.tick.format(p), inst.lot.format(q)]) };
          const l = live.state();
          assert.deepEqual({ bids: l.bids, asks: l.asks }, want);
          assert.equal(l.bad, 0);
          // a client that took a snapshot mid-way and then one merged catch-up
          const merged = s.mergedSince(lateSeq);
          if (merged) late.apply(merged);
          const t = late.state();
          assert.deepEqual({ bids: t.bids, asks: t.asks }, want);
          assert.equal(t.bad, 0);
          // a client coming back with its last seq gets exactly the deltas it missed
          const missed = s.deltasSince(lateSeq);
          assert.ok(missed);
          assert.equal(s.deltasSince(s.seq)!.length, 0);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('a resume from a seq the history no longer reaches gets nothing (the caller sends a snapshot)', () => {
    const s = new BookStream('BTC-USDT', inst, 1);
    const book = new OrderBook();
    s.reset(book, 10, 'in_sync', 0, false);
    book.set('bid', 9_990, 5);
    s.delta(book, 11, { bids: new Map([[9_990, 5]]), asks: new Map() }, 0, 0);
    assert.deepEqual(s.deltasSince(10)!.length, 1);
    assert.equal(s.deltasSince(3), undefined);
    assert.equal(s.mergedSince(3), undefined);
  });
});
