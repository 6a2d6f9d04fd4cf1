import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MdDelta, MdSnapshot } from '../../src/contract/md-wire.js';
import { bookChecksum, CHECKSUM_DEPTH } from '../../src/domain/book-checksum.js';
import { levelRecords, makeInstrument } from '../../src/domain/instrument.js';
import { OrderBook } from '../../src/domain/order-book.js';
import { EdgeMarket, type EdgeProblem } from '../../src/edge/edge-market.js';

const inst = makeInstrument({ symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.1', lotSize: '0.001' });
const wireInstrument = { symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', kind: 'spot' as const, status: 'trading' as const, tick_size: '0.1', lot_size: '0.001', perpetual: null, timestamp: 0 };

/** A core as md.* shows it: a book, and the delta and snapshot records of its changes. */
function core() {
  const book = new OrderBook();
  let seq = 0;
  const sum = () => bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH);
  return {
    book,
    delta(changes: [side: 'bid' | 'ask', price: number, size: number][]): MdDelta {
      const bids = new Map<number, number>();
      const asks = new Map<number, number>();
      for (const [side, price, size] of changes) {
        book.set(side, price, size);
        (side === 'bid' ? bids : asks).set(price, size);
      }
      const prev = seq;
      seq += changes.length;
      book.sequence = seq;
      return { symbol: 'BTC-USDT', sequence: seq, prev_sequence: prev, timestamp: seq, engine_send_time_us: 0, bids: levelRecords(inst, bids), asks: levelRecords(inst, asks), checksum: sum() };
    },
    snapshot(reason: MdSnapshot['reason'] = 'periodic'): MdSnapshot {
      const d = book.depth(Infinity);
      return { symbol: 'BTC-USDT', sequence: seq, timestamp: seq, reason, status: 'in_sync', bids: levelRecords(inst, d.bids), asks: levelRecords(inst, d.asks), checksum: sum() };
    },
  };
}

function edge(now = { t: 0 }) {
  const problems: EdgeProblem[] = [];
  const m = new EdgeMarket({ problem: (_s, cause) => problems.push(cause), synced: () => undefined }, 15_000, { clock: () => now.t });
  m.onInstrument(wireInstrument);
  return { m, problems, now };
}

const levels = (b: OrderBook) => b.depth(Infinity);
const change = fc.tuple(fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 30 }));
// bids below 1000 ticks, asks above: never crossed
const placed = (c: ['bid' | 'ask', number, number]): ['bid' | 'ask', number, number] => [c[0], c[0] === 'bid' ? 1000 - c[1] : 1000 + c[1], c[2]];

describe('edge market (books rebuilt from md.*)', () => {
  it('rebuilds every book from a snapshot read at any point plus the deltas around it, equal to the core book, every checksum verified', () => {
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 60 }), fc.nat(), fc.nat(), (batches, snapAt, lag) => {
        const c = core();
        const { m, problems } = edge();
        const at = snapAt % batches.length;
        // the edge reads the deltas topic ahead of the snapshot topic by `lag` messages
        const deltas: MdDelta[] = [];
        let snap: MdSnapshot | undefined;
        batches.forEach((b, i) => {
          deltas.push(c.delta(b.map(placed)));
          if (i === at) snap = c.snapshot();
        });
        const snapIndex = at + 1 + (lag % (batches.length - at));
        deltas.forEach((d, i) => {
          if (i === snapIndex) m.onSnapshot(snap!);
          m.onDelta(d);
        });
        if (snapIndex >= deltas.length) m.onSnapshot(snap!);
        assert.deepEqual(problems, []);
        assert.equal(m.status('BTC-USDT'), 'in_sync');
        assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
        assert.equal(m.publishedSequence('BTC-USDT'), c.book.sequence);
      }),
      { numRuns: 300 },
    );
  });

  it('a delta that does not chain marks the book resyncing and outputs nothing until the next snapshot', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    assert.ok(m.onDelta(c.delta([['bid', 990, 5]]))?.deltas.length);
    c.delta([['bid', 991, 1]]); // lost
    assert.equal(m.onDelta(c.delta([['ask', 1010, 2]])), undefined);
    assert.deepEqual(problems, ['chain_break']);
    assert.equal(m.status('BTC-USDT'), 'resyncing');
    assert.equal(m.onDelta(c.delta([['ask', 1011, 2]])), undefined, 'still nothing: no base');
    const out = m.onSnapshot(c.snapshot());
    assert.equal(out?.snapshots[0]?.reason, 'resync', 'a fresh base for the clients');
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
    assert.ok(m.onDelta(c.delta([['ask', 1012, 1]]))?.deltas.length, 'deltas flow again');
  });

  it('a snapshot the producer marks resyncing (its book broke) stops the book until the next snapshot, counted as no problem', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    assert.ok(m.onDelta(c.delta([['bid', 990, 5]]))?.deltas.length);
    const told = m.onSnapshot({ ...c.snapshot('resync'), status: 'resyncing' });
    assert.deepEqual([told?.snapshots.length, told?.deltas.length], [0, 0], 'nothing to serve: the hub tells clients by the status');
    assert.equal(m.status('BTC-USDT'), 'resyncing');
    assert.equal(m.onDelta(c.delta([['bid', 989, 1]])), undefined, 'no delta on a book that broke');
    const out = m.onSnapshot(c.snapshot('resync'));
    assert.equal(out?.snapshots[0]?.reason, 'resync');
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
    assert.deepEqual(problems, []);
  });

  it("deltas read ahead of the producer's resyncing status (the deltas topic before the snapshots topic) are kept for the base that follows it", () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    m.onDelta(c.delta([['bid', 990, 5]]));
    const status: MdSnapshot = { ...c.snapshot('resync'), status: 'resyncing' };
    c.delta([['bid', 991, 1]]); // the producer's book broke here and was resynced from the engine
    const base = c.snapshot('resync');
    const after = [c.delta([['ask', 1010, 2]]), c.delta([['ask', 1011, 1]])];
    for (const d of after) assert.equal(m.onDelta(d), undefined);
    m.onSnapshot(status);
    const out = m.onSnapshot(base);
    assert.equal(out?.snapshots[0]?.sequence, c.book.sequence, 'the base and the deltas after it, at once');
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
    assert.deepEqual(problems, ['chain_break']);
    assert.ok(m.onDelta(c.delta([['ask', 1012, 1]]))?.deltas.length, 'deltas flow on');
  });

  it('a book whose last deltas were lost (the symbol then goes quiet) is rebuilt from the next periodic snapshot but one', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    m.onDelta(c.delta([['bid', 990, 5]]));
    // a snapshot ahead whose deltas do come: no problem
    const d = c.delta([['bid', 989, 1]]);
    assert.equal(m.onSnapshot(c.snapshot()), undefined, 'one ahead waits for its deltas');
    assert.ok(m.onDelta(d)?.deltas.length);
    assert.equal(m.onSnapshot(c.snapshot())?.snapshots[0]?.reason, 'periodic', 'confirmed');
    c.delta([['bid', 991, 1]]);
    c.delta([['ask', 1012, 3]]); // both lost
    assert.equal(m.onSnapshot(c.snapshot()), undefined, 'one ahead: its deltas may still come');
    assert.deepEqual(problems, []);
    const out = m.onSnapshot(c.snapshot());
    assert.equal(out?.snapshots[0]?.reason, 'resync');
    assert.equal(out?.snapshots[0]?.sequence, c.book.sequence);
    assert.deepEqual(problems, ['missed_deltas']);
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
  });

  it('a delta that breaks the chain is served at once when it chains from a snapshot already read', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    c.delta([['bid', 990, 5]]); // lost
    m.onSnapshot(c.snapshot()); // read ahead of the deltas: waits
    const out = m.onDelta(c.delta([['ask', 1010, 2]]));
    assert.equal(out?.snapshots[0]?.sequence, c.book.sequence);
    assert.deepEqual(problems, ['chain_break']);
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
  });

  it('a delta whose checksum does not match the book it leads to is never output', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    const d = c.delta([['bid', 995, 3]]);
    assert.equal(m.onDelta({ ...d, checksum: (d.checksum + 1) >>> 0 }), undefined);
    assert.deepEqual(problems, ['checksum_mismatch']);
    assert.equal(m.status('BTC-USDT'), 'resyncing');
    m.onSnapshot(c.snapshot());
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(c.book));
  });

  it('a periodic snapshot confirms the book; one that disagrees rebuilds it', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    m.onDelta(c.delta([['bid', 995, 3]]));
    assert.equal(m.onSnapshot(c.snapshot())?.snapshots[0]?.reason, 'periodic');
    const wrong = c.snapshot();
    const out = m.onSnapshot({ ...wrong, bids: [{ price: '99.5', quantity: '0.004' }], checksum: 1 });
    assert.equal(out, undefined);
    assert.deepEqual(problems, ['checksum_mismatch', 'checksum_mismatch']);
    assert.equal(m.status('BTC-USDT'), 'resyncing');
  });

  it('a book from a core that took over behind what clients have is not served until one at least as new comes', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    m.onDelta(c.delta([['bid', 990, 1]]));
    const old = c.snapshot();
    m.onDelta(c.delta([['bid', 991, 2]]));
    const at = m.publishedSequence('BTC-USDT')!;
    assert.equal(m.onSnapshot({ ...old, reason: 'start' }), undefined, 'the older book is not a base');
    assert.deepEqual(problems, ['behind']);
    assert.equal(m.status('BTC-USDT'), 'resyncing');
    m.onDelta(c.delta([['ask', 1010, 1]]));
    assert.equal(m.publishedSequence('BTC-USDT'), at, 'nothing served meanwhile');
    const out = m.onSnapshot(c.snapshot());
    assert.equal(out?.snapshots[0]?.sequence, c.book.sequence);
    assert.equal(m.status('BTC-USDT'), 'in_sync');
  });

  it('a new owner replaying from an older base is served again as soon as its deltas pass what clients have, never going back meanwhile', () => {
    // the old owner's records (read uncommitted) took the edge to seq 2; the new owner starts from seq 1
    const dead = core();
    const next = core();
    const { m, problems } = edge();
    m.onSnapshot(dead.snapshot('start'));
    m.onDelta(dead.delta([['bid', 990, 1]]));
    next.delta([['bid', 990, 1]]);
    const base = next.snapshot();
    m.onDelta(dead.delta([['bid', 991, 2]]));
    assert.equal(m.onSnapshot({ ...base, reason: 'start' }), undefined);
    assert.equal(m.publishedSequence('BTC-USDT'), 2, 'the book does not go back to the older base');
    // its first delta merges what the old owner had sent and more: it chains from its own base
    const out = m.onDelta(next.delta([['bid', 991, 2], ['ask', 1010, 1]]));
    assert.equal(out?.snapshots[0]?.sequence, 3, 'served again without waiting for a newer snapshot');
    assert.deepEqual(levels(m.book('BTC-USDT')!), levels(next.book));
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    assert.deepEqual(problems, ['behind']);
    assert.ok(m.onDelta(next.delta([['ask', 1011, 4]]))?.deltas.length, 'and its deltas after that');
  });

  it('trades and candles written again (a retried or taken-over transaction) are not served twice or taken back', () => {
    const { m } = edge();
    const trade = { symbol: 'BTC-USDT', trade_id: 't1', sequence: 10, price: '100.0', quantity: '0.001', taker_side: 'buy' as const, maker_order_id: 'a', taker_order_id: 'b', timestamp: 1, engine_send_time_us: 0 };
    assert.equal(m.onTrade(trade)?.trades.length, 1);
    assert.equal(m.onTrade(trade), undefined, 'the same trade again');
    assert.equal(m.onTrade({ ...trade, trade_id: 't0', sequence: 8 }), undefined, 'an older one again');
    assert.equal(m.onTrade({ ...trade, trade_id: 't2', sequence: 12 })?.trades[0]?.trade_id, 't2');
    const candle = { symbol: 'BTC-USDT', interval: 'm1', open_time: 60_000, close_time: 119_999, open: '1.0', high: '2.0', low: '1.0', close: '2.0', volume: '3', quote_volume: '5', trade_count: 3, closed: false };
    assert.ok(m.onCandle(candle));
    assert.equal(m.onCandle({ ...candle, trade_count: 2, volume: '2' }), undefined, 'fewer trades: an older state of the same candle');
    assert.equal(m.openCandle('BTC-USDT', '1m')?.trade_count, 3);
    assert.ok(m.onCandle({ ...candle, trade_count: 4, volume: '4' }));
  });

  it('bad levels and unknown symbols are refused and counted, nothing else changes', () => {
    const c = core();
    const { m, problems } = edge();
    m.onSnapshot(c.snapshot('start'));
    assert.equal(m.onDelta({ ...c.delta([['bid', 990, 1]]), symbol: 'NOPE' }), undefined);
    const d = c.delta([['bid', 991, 1]]);
    assert.equal(m.onDelta({ ...d, prev_sequence: m.publishedSequence('BTC-USDT')!, bids: [{ price: '99.05', quantity: '1' }] }), undefined);
    assert.deepEqual(problems, ['unknown_symbol', 'bad_levels']);
  });

  it('a book with no md.* message for the stale bound is stale, and in sync again with the next', () => {
    const c = core();
    const { m, now } = edge();
    m.onSnapshot(c.snapshot('start'));
    now.t = 15_001;
    assert.equal(m.status('BTC-USDT'), 'stale');
    m.onDelta(c.delta([['bid', 990, 1]]));
    assert.equal(m.status('BTC-USDT'), 'in_sync');
    m.onStatus({ symbol: 'BTC-USDT', status: 'halted', reason: '', sequence: 0, timestamp: 0 });
    assert.equal(m.status('BTC-USDT'), 'halted');
  });
});
