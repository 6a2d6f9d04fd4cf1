import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OrderBook, type Level } from '../../src/domain/order-book.js';
import { UndoLog } from '../../src/ingest/undo-log.js';

const change = fc.record({ side: fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), offset: fc.integer({ min: 0, max: 30 }), size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })) });

describe('undo log', () => {
  it('property: the book as it was at any sequence it still reaches, while its storage grows and wraps', () => {
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 3 }), { minLength: 200, maxLength: 1500, size: 'max' }), fc.integer({ min: 300, max: 1200 }), (events, capacity) => {
        const book = new OrderBook();
        const log = new UndoLog(capacity);
        const states: { bids: Level[]; asks: Level[] }[] = [{ bids: [], asks: [] }];
        events.forEach((changes, k) => {
          const seq = k + 1;
          for (const c of changes) {
            // bids below 1000, asks above: never crossed
            const price = c.side === 'bid' ? 1000 - c.offset : 1001 + c.offset;
            const before = book.side(c.side).sizeAt(price);
            book.set(c.side, price, c.size);
            log.record(seq, c.side, price, before);
          }
          book.sequence = seq;
          states.push({ bids: book.bids.top(Infinity), asks: book.asks.top(Infinity) });
        });
        const last = events.length;
        for (let seq = 0; seq <= last; seq += 1 + (seq % 7)) {
          const at = log.bookAt(book, seq);
          if (seq < log.floor) {
            assert.equal(at, undefined, `sequence ${seq} is older than the log reaches (${log.floor})`);
            continue;
          }
          assert.deepEqual(at, states[seq], `the book at ${seq}`);
        }
        // what it keeps: at least the last `capacity` changes
        const changes = events.flat().length;
        if (changes <= capacity) assert.equal(log.floor, 0);
      }),
      { numRuns: 60 },
    );
  });
});
