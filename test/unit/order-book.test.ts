import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bookChecksum, checksumOfStrings } from '../../src/domain/book-checksum.js';
import { checksumPayload } from '../../src/domain/checksum-payload.js';
import { Increment } from '../../src/domain/decimal.js';
import { OrderBook, type Level, type Side } from '../../src/domain/order-book.js';

/** The naive reference: a Map per side, sorted on every read. */
class ReferenceBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  set(side: Side, price: number, size: number) {
    const m = side === 'bid' ? this.bids : this.asks;
    if (size === 0) m.delete(price);
    else m.set(price, size);
  }
  top(side: Side, n: number): Level[] {
    const m = side === 'bid' ? this.bids : this.asks;
    return [...m].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0])).slice(0, n);
  }
}

const delta = fc.record({
  side: fc.constantFrom<Side>('bid', 'ask'),
  price: fc.integer({ min: 1, max: 400 }),
  size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
});

describe('OrderBook', () => {
  it('any sequence of deltas gives the same book as the naive reference', () => {
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 600 }), (deltas) => {
        const book = new OrderBook();
        const ref = new ReferenceBook();
        for (const d of deltas) {
          book.set(d.side, d.price, d.size);
          ref.set(d.side, d.price, d.size);
        }
        assert.deepEqual(book.bids.top(Infinity), ref.top('bid', Infinity));
        assert.deepEqual(book.asks.top(Infinity), ref.top('ask', Infinity));
        assert.deepEqual(book.depth(5), { bids: ref.top('bid', 5), asks: ref.top('ask', 5) });
        assert.equal(book.bids.totalSize, [...ref.bids.values()].reduce((a, b) => a + b, 0));
        for (const d of deltas.slice(0, 20)) assert.equal(book.side(d.side).sizeAt(d.price), (d.side === 'bid' ? ref.bids : ref.asks).get(d.price) ?? 0);
      }),
      { numRuns: 500 },
    );
  });

  it('replacing from a snapshot equals applying its levels as deltas to an empty book', () => {
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 200 }), fc.array(delta, { maxLength: 50 }), (before, snap) => {
        const book = new OrderBook();
        for (const d of before) book.set(d.side, d.price, d.size);
        const bids = snap.filter((d) => d.side === 'bid').map((d) => [d.price, d.size] as Level);
        const asks = snap.filter((d) => d.side === 'ask').map((d) => [d.price, d.size] as Level);
        book.replace(bids, asks, 42);
        const fresh = new OrderBook();
        for (const d of snap) fresh.set(d.side, d.price, d.size);
        assert.deepEqual(book.depth(Infinity), fresh.depth(Infinity));
        assert.equal(book.sequence, 42);
      }),
    );
  });

  it('best bid/ask, mid and crossed detection', () => {
    const book = new OrderBook();
    assert.equal(book.bestBid(), undefined);
    assert.equal(book.midTimesTwo(), undefined);
    book.set('bid', 100, 5);
    book.set('bid', 99, 7);
    book.set('ask', 103, 2);
    book.set('ask', 104, 1);
    assert.deepEqual(book.bestBid(), [100, 5]);
    assert.deepEqual(book.bestAsk(), [103, 2]);
    assert.equal(book.midTimesTwo(), 203);
    assert.equal(book.isCrossed(), false);
    book.set('bid', 103, 1);
    assert.equal(book.isCrossed(), true);
    book.set('bid', 103, 0);
    assert.equal(book.isCrossed(), false);
  });

  it('grouping preserves total size and never crosses', () => {
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 400 }), fc.integer({ min: 1, max: 50 }), (deltas, group) => {
        const book = new OrderBook();
        // keep the book uncrossed like a real one: bids below 200, asks from 200
        for (const d of deltas) book.set(d.side, d.side === 'bid' ? Math.min(d.price, 199) : Math.max(d.price, 200), d.size);
        const g = book.groupedDepth(Infinity, group);
        const sum = (ls: Level[]) => ls.reduce((a, l) => a + l[1], 0);
        assert.equal(sum(g.bids), book.bids.totalSize);
        assert.equal(sum(g.asks), book.asks.totalSize);
        for (const [p] of [...g.bids, ...g.asks]) assert.equal(p % group, 0);
        if (g.bids.length && g.asks.length) assert.ok(g.bids[0]![0] < g.asks[0]![0]);
        // bucket order is strict: best first
        for (let i = 1; i < g.bids.length; i++) assert.ok(g.bids[i]![0] < g.bids[i - 1]![0]);
        for (let i = 1; i < g.asks.length; i++) assert.ok(g.asks[i]![0] > g.asks[i - 1]![0]);
        // top-N of the grouped book is a prefix of the full grouping
        assert.deepEqual(book.groupedDepth(3, group), { bids: g.bids.slice(0, 3), asks: g.asks.slice(0, 3) });
      }),
      { numRuns: 300 },
    );
  });

  it('groups bids down and asks up', () => {
    const book = new OrderBook();
    book.set('bid', 1005, 1);
    book.set('bid', 1001, 2);
    book.set('bid', 999, 4);
    book.set('ask', 1006, 1);
    book.set('ask', 1010, 2);
    book.set('ask', 1011, 8);
    assert.deepEqual(book.groupedDepth(10, 10), {
      bids: [
        [1000, 3],
        [990, 4],
      ],
      asks: [
        [1010, 3],
        [1020, 8],
      ],
    });
  });
});

describe('book checksum (crc32-interleaved-v1)', () => {
  it('interleaves bids and asks level by level', () => {
    const bids: [string, string][] = [
      ['100.0', '2'],
      ['99.5', '1'],
    ];
    const asks: [string, string][] = [['100.5', '3']];
    assert.equal(checksumPayload(bids, asks), '100.0:2:100.5:3:99.5:1');
    assert.equal(checksumPayload(bids, asks, 1), '100.0:2:100.5:3');
    // CRC-32 (IEEE) of the payload, checked against a value computed independently (python zlib.crc32)
    assert.equal(checksumOfStrings(bids, asks), 0xf52457a6);
  });

  it('changes when any level in the depth changes and formats with the instrument increments', () => {
    const tick = Increment.parse('0.5');
    const lot = Increment.parse('0.001');
    const book = new OrderBook();
    book.set('bid', tick.toUnits('100.0'), lot.toUnits('2'));
    book.set('ask', tick.toUnits('100.5'), lot.toUnits('3'));
    const c1 = bookChecksum(book, tick, lot);
    assert.equal(c1, checksumOfStrings([['100.0', '2.000']], [['100.5', '3.000']]));
    book.set('ask', tick.toUnits('100.5'), lot.toUnits('3.001'));
    assert.notEqual(bookChecksum(book, tick, lot), c1);
  });

  it('property: bookChecksum stays equal to the formatted strings\' checksum after every change to the same book (its level segments are reused)', () => {
    const incs = [Increment.parse('0.25'), Increment.parse('0.0001'), Increment.parse('5')];
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 400 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2 }), (deltas, depth, swapAt) => {
        const book = new OrderBook();
        const n = depth > 0 ? depth : Infinity;
        deltas.forEach((d, k) => {
          book.set(d.side, d.price, d.size);
          // now and then the same book is checked with other increments (an instrument update)
          const tick = incs[(k >> 5) % 2 === 0 ? 0 : swapAt]!;
          const lot = incs[1]!;
          const strings = (levels: Level[]) => levels.map(([p, q]) => [tick.format(p), lot.format(q)] as const);
          assert.equal(bookChecksum(book, tick, lot, depth), checksumOfStrings(strings(book.bids.top(n)), strings(book.asks.top(n)), depth));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('property: bookChecksum equals the checksum of the formatted level strings, at any depth', () => {
    const tick = Increment.parse('0.25');
    const lot = Increment.parse('0.0001');
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 300 }), fc.integer({ min: 0, max: 60 }), (deltas, depth) => {
        const book = new OrderBook();
        for (const d of deltas) book.set(d.side, d.price, d.size);
        const strings = (levels: Level[]) => levels.map(([p, q]) => [tick.format(p), lot.format(q)] as const);
        const n = depth > 0 ? depth : Infinity;
        assert.equal(bookChecksum(book, tick, lot, depth), checksumOfStrings(strings(book.bids.top(n)), strings(book.asks.top(n)), depth));
      }),
    );
  });
});
