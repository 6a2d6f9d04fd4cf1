import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { addDecimal, backoffDelay, compareDecimal, connect, isZero, LocalBook, MarketDataError, rest, subtractDecimal, type BookDeltaFrame, type BookSnapshotFrame, type MarketClient, type VerifiedBook } from '@market-data/client';
import { checksumOfStrings } from '../../src/domain/book-checksum.js';
import { FakeSocket } from '../support/fake-socket.js';

/** The server side of one book in whole ticks (0.1), producing frames with the server's own checksum function. */
class ServerBook {
  seq = 0;
  private readonly bids = new Map<number, string>();
  private readonly asks = new Map<number, string>();
  constructor(readonly symbol = 'BTCUSDT-PERP') {}

  private static price = (t: number) => `${Math.floor(t / 10)}.${t % 10}`;
  private side(m: Map<number, string>, desc: boolean): [string, string][] {
    return [...m].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0])).map(([t, q]) => [ServerBook.price(t), q]);
  }
  private checksum(): number {
    return checksumOfStrings(this.side(this.bids, true), this.side(this.asks, false), 25);
  }

  snapshot(): BookSnapshotFrame {
    return { type: 'book', action: 'snapshot', symbol: this.symbol, prec: '0.1', seq: this.seq, status: 'in_sync', bids: this.side(this.bids, true), asks: this.side(this.asks, false), checksum: this.checksum(), ts: 1 };
  }

  /** Applies changes (size "0" removes) and returns the delta frame for them. */
  delta(bids: [number, string][], asks: [number, string][]): BookDeltaFrame {
    const prev = this.seq++;
    for (const [t, q] of bids) (q === '0' ? this.bids.delete(t) : this.bids.set(t, q));
    for (const [t, q] of asks) (q === '0' ? this.asks.delete(t) : this.asks.set(t, q));
    return {
      type: 'book', action: 'delta', symbol: this.symbol, prec: '0.1', seq: this.seq, prev_seq: prev,
      bids: bids.map(([t, q]) => [ServerBook.price(t), q]), asks: asks.map(([t, q]) => [ServerBook.price(t), q]),
      checksum: this.checksum(), ts: 2, sent_us: 0,
    };
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client: decimals (property tests against BigInt)', () => {
  // leading zeros now and then ("007.50"): ordering reads values, not text
  const dec = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 })).map(([v, d, z]) => {
    const s = '0'.repeat(z) + v.toString().padStart(d + 1, '0');
    return { s: d ? `${s.slice(0, -d)}.${s.slice(-d)}` : s, v, d };
  });
  const scaled = (x: { v: bigint; d: number }, d: number) => x.v * 10n ** BigInt(d - x.d);

  it('orders, adds and subtracts exactly', () => {
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const d = Math.max(a.d, b.d);
        const [x, y] = [scaled(a, d), scaled(b, d)];
        assert.equal(Math.sign(compareDecimal(a.s, b.s)), x === y ? 0 : x < y ? -1 : 1);
        assert.equal(isZero(a.s), a.v === 0n);
        const sum = addDecimal(a.s, b.s);
        const diff = subtractDecimal(a.s, b.s);
        assert.equal(scaled({ v: BigInt(sum.replace('.', '')), d: sum.split('.')[1]?.length ?? 0 }, d), x + y);
        const neg = diff.startsWith('-');
        const dv = BigInt(diff.replace('-', '').replace('.', ''));
        assert.equal(neg ? -dv : dv, x - y);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('client: backoff', () => {
  it('doubles from the initial delay up to the ceiling, with half of it random', () => {
    const b = { initialMs: 100, maxMs: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, b, () => 1)), [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, b, () => 0)), [50, 100, 200, 400, 500]);
  });
});

describe('client: local book', () => {
  it('applies a chain of deltas and keeps exact helpers', () => {
    const s = new ServerBook();
    const b = new LocalBook('X');
    s.delta([[1000, '1.5'], [999, '2']], [[1002, '3'], [1005, '0.25']]);
    assert.equal(b.apply(s.snapshot()), 'applied');
    assert.equal(b.apply(s.delta([[1001, '4']], [[1002, '0']])), 'applied');
    assert.deepEqual(b.bestBid(), ['100.1', '4']);
    assert.deepEqual(b.bestAsk(), ['100.5', '0.25']);
    assert.equal(b.spread(), '0.4');
    assert.equal(b.depthTo('bid', '100.0'), '5.5');
    assert.equal(b.sizeAt('bid', '99.90'), '2');
  });

  it('empties itself on a chain break and on a checksum mismatch', () => {
    const s = new ServerBook();
    const b = new LocalBook('X');
    s.delta([[1000, '1']], [[1001, '1']]);
    b.apply(s.snapshot());
    s.delta([[999, '1']], []); // lost
    assert.equal(b.apply(s.delta([[998, '1']], [])), 'chain_break');
    assert.equal(b.ready, false);
    b.apply(s.snapshot());
    const bad = s.delta([[997, '1']], []);
    assert.equal(b.apply({ ...bad, bids: [['99.7', '2']] }), 'checksum_mismatch');
    assert.equal(b.ready, false);
    assert.deepEqual(b.levels(), { bids: [], asks: [] });
  });

  // The checksum is resumed after the levels a message left alone: any mix of inserts, updates and
  // removals, near the touch or deep, sides emptied and refilled, must verify and equal the server's book.
  it('verifies any sequence of changes, and refuses one changed level the server does not have (property)', () => {
    const change = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }), fc.oneof(fc.constant('0'), fc.integer({ min: 1, max: 99 }).map(String)));
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 60 }), fc.nat(), (messages, pick) => {
        const s = new ServerBook();
        const b = new LocalBook('X');
        s.delta([[1000, '1']], [[1001, '1']]);
        assert.equal(b.apply(s.snapshot()), 'applied');
        for (const m of messages) {
          const bids = m.filter(([bid]) => bid).map(([, d, q]): [number, string] => [1000 - d, q]);
          const asks = m.filter(([bid]) => !bid).map(([, d, q]): [number, string] => [1001 + d, q]);
          const f = s.delta(bids, asks);
          assert.equal(b.apply(f), 'applied');
        }
        assert.deepEqual(b.levels(), { bids: s.snapshot().bids, asks: s.snapshot().asks });
        const top = [...s.snapshot().bids.slice(0, 25), ...s.snapshot().asks.slice(0, 25)];
        if (top.length === 0) return;
        const [price] = top[pick % top.length]!;
        const side = s.snapshot().bids.some(([p]) => p === price) ? 'bids' : 'asks';
        const f = s.delta([], []);
        assert.equal(b.apply({ ...f, [side]: [[price, '12345']] }), 'checksum_mismatch');
      }),
      { numRuns: 300 },
    );
  });
});

describe('client: connection and books over a fake socket', () => {
  let client: MarketClient | undefined;
  beforeEach(() => FakeSocket.reset());
  afterEach(() => client?.close());

  const open = (urls: string[], extra = {}) =>
    (client = connect(urls, { WebSocket: FakeSocket, backoff: { initialMs: 5, maxMs: 20 }, random: () => 0, ...extra }));

  it('fails over to the next URL, with a typed event for every state change, and resumes the book with seq', async () => {
    const c = open(['ws://a/ws', 'ws://b/ws']);
    const events: string[] = [];
    c.onState((e) => events.push(`${e.state}${'url' in e ? ` ${e.url}` : ''}${'code' in e ? ` ${e.code}` : ''}`));
    const s = new ServerBook();
    s.delta([[1000, '1']], [[1001, '1']]);
    const feed = c.book('BTCUSDT-PERP');
    const seen: number[] = [];
    feed.on((b) => seen.push(b.seq));

    FakeSocket.last.drop(1006); // a refuses
    await sleep(30);
    assert.equal(FakeSocket.last.url, 'ws://b/ws');
    FakeSocket.last.open();
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    await feed.ready;
    FakeSocket.last.receive(s.snapshot());
    FakeSocket.last.receive(s.delta([[999, '2']], []));
    assert.deepEqual(seen, [1, 2]);

    FakeSocket.last.drop(1001, 'going away'); // b restarts
    await sleep(30);
    FakeSocket.last.open();
    const resume = FakeSocket.last.ops('subscribe').at(-1)!;
    assert.equal(resume.seq, 2, 'resumed from the last verified seq');
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(s.delta([[998, '3']], [])); // what was missed
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(c.state, 'open');
    assert.deepEqual(events.slice(0, 3), ['reconnecting ws://a/ws 1006', 'connecting ws://b/ws', 'open ws://b/ws']); // 'connecting ws://a/ws' came before onState
    assert.ok(events.includes('reconnecting ws://b/ws 1001'));
  });

  it('on a chain break or checksum failure, yields nothing until a fresh snapshot verifies', async () => {
    const c = open(['ws://a/ws']);
    FakeSocket.last.open();
    const s = new ServerBook();
    s.delta([[1000, '1']], [[1001, '1']]);
    const feed = c.book('BTCUSDT-PERP');
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    const yielded: number[] = [];
    const checks: boolean[] = [];
    feed.on((b: VerifiedBook) => {
      yielded.push(b.seq);
      const { bids, asks } = b.levels(25);
      checks.push(checksumOfStrings(bids, asks, 25) === s.snapshot().checksum);
    });
    FakeSocket.last.receive(s.snapshot());
    s.delta([[999, '1']], []); // never delivered
    FakeSocket.last.receive(s.delta([[998, '1']], [])); // breaks the chain
    assert.equal(feed.stats.chainBreaks, 1);
    const again = FakeSocket.last.ops('subscribe');
    assert.equal(again.length, 2);
    assert.equal(again[1]!.seq, undefined, 'a fresh subscription, not a resume');
    FakeSocket.last.receive(s.delta([[997, '1']], [])); // in flight from before: ignored
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(s.snapshot());
    const wrong = s.delta([], [[1003, '2']]);
    FakeSocket.last.receive({ ...wrong, checksum: (wrong.checksum + 1) >>> 0 });
    assert.equal(feed.stats.checksumMismatches, 1);
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(s.snapshot());
    assert.deepEqual(yielded, [1, 4, 5]);
    assert.deepEqual(checks, [true, true, true]);
  });

  it('rejects a refused subscription with the server code, for ready, the iterator and the callback', async () => {
    const c = open(['ws://a/ws']);
    FakeSocket.last.open();
    const t = c.trades('NOPE');
    const errors: string[] = [];
    t.onError((e) => errors.push(e.code));
    const sub = FakeSocket.last.ops('subscribe').at(-1)!;
    FakeSocket.last.receive({ type: 'error', code: 'unknown_symbol', message: 'unknown symbol "NOPE"', op: 'subscribe', id: sub.id });
    await assert.rejects(t.ready, (e: unknown) => e instanceof MarketDataError && e.code === 'unknown_symbol');
    await assert.rejects(t[Symbol.asyncIterator]().next(), (e: unknown) => (e as MarketDataError).code === 'unknown_symbol');
    assert.deepEqual(errors, ['unknown_symbol']);
  });


  it('after a reconnect, a restarted server that does not know the symbol yet is asked again, not given up on', async () => {
    const c = open(['ws://a/ws']);
    FakeSocket.last.open();
    const s = new ServerBook();
    s.delta([[1000, '1']], [[1001, '1']]);
    const feed = c.book('BTCUSDT-PERP');
    const errors: string[] = [];
    feed.onError((e) => errors.push(e.code));
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(s.snapshot());

    FakeSocket.last.drop(1001, 'going away');
    await sleep(30);
    FakeSocket.last.open();
    const refused = FakeSocket.last.ops('subscribe').at(-1)!;
    FakeSocket.last.receive({ type: 'error', code: 'unknown_symbol', message: 'unknown symbol', op: 'subscribe', id: refused.id });
    await sleep(30);
    const again = FakeSocket.last.ops('subscribe').at(-1)!;
    assert.notEqual(again.id, refused.id, 'subscribed again after a delay');
    assert.equal(again.seq, 1, 'still resuming from the last verified seq');
    assert.deepEqual(errors, []);
  });

  it('never shows a book older than one it showed (a server behind answers a resume with an old snapshot)', async () => {
    const c = open(['ws://a/ws']);
    FakeSocket.last.open();
    const live = new ServerBook();
    const behind = new ServerBook(); // the same book, replayed later by a restarted server
    for (const b of [live, behind]) b.delta([[1000, '1']], [[1001, '1']]);
    live.delta([[999, '2']], []);
    live.delta([[998, '3']], []);
    const feed = c.book('BTCUSDT-PERP');
    const seen: number[] = [];
    feed.on((b) => seen.push(b.seq));
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(live.snapshot()); // seq 3
    FakeSocket.last.drop(1001);
    await sleep(30);
    FakeSocket.last.open();
    FakeSocket.last.acceptLastSubscribe({ prec: '0.1' });
    FakeSocket.last.receive(behind.snapshot()); // seq 1
    FakeSocket.last.receive(behind.delta([[999, '2']], [])); // seq 2
    assert.deepEqual(seen, [3], 'the older states are verified but not shown');
    assert.equal(feed.stats.heldBack, 2);
    FakeSocket.last.receive(behind.delta([[998, '3']], []));
    FakeSocket.last.receive(behind.delta([[997, '4']], []));
    assert.deepEqual(seen, [3, 3, 4]);
    assert.equal(feed.stats.chainBreaks, 0);
  });

  it('pings while open, and treats silence as a dead connection', async () => {
    const c = open(['ws://a/ws'], { pingIntervalMs: 10, silenceMs: 35 });
    const states: string[] = [];
    c.onState((e) => states.push(e.state === 'reconnecting' ? `${e.state} ${e.code}` : e.state));
    const first = FakeSocket.last;
    first.open();
    await sleep(25);
    assert.ok(first.ops('ping').length >= 1);
    await sleep(60);
    assert.ok(states.includes('reconnecting 4000'), states.join());
    assert.ok(FakeSocket.all.length >= 2, 'a new socket after the silence');
  });

  it('re-sends its message budget and every subscription on each open; trades arrive in order, typed', async () => {
    const c = open(['ws://a/ws']);
    FakeSocket.last.open();
    const budget = c.setMaxMsgsPerSec(5);
    const cfg = FakeSocket.last.ops('config').at(-1)!;
    FakeSocket.last.receive({ type: 'config', prec: null, max_msgs_per_sec: 5, id: cfg.id });
    assert.equal((await budget).max_msgs_per_sec, 5);
    const trades = c.trades('ETHUSDT');
    const it = trades[Symbol.asyncIterator]();
    FakeSocket.last.acceptLastSubscribe();
    FakeSocket.last.receive({ type: 'trades', symbol: 'ETHUSDT', data: [{ id: '1', price: '10.5', qty: '1', side: 'buy', ts: 1, seq: 1 }, { id: '2', price: '10.6', qty: '2', side: 'sell', ts: 2, seq: 2 }], sent_us: 0 });
    assert.equal((await it.next()).value.id, '1');
    assert.equal((await it.next()).value.price, '10.6');
    FakeSocket.last.drop(1006);
    await sleep(20);
    FakeSocket.last.open();
    assert.equal(FakeSocket.last.ops('config').at(-1)!.max_msgs_per_sec, 5);
    assert.equal(FakeSocket.last.ops('subscribe').at(-1)!.channel, 'trades');
    await tick();
  });
});

describe('client: REST', () => {
  it('rejects with the server error code and status, and resolves typed bodies', async () => {
    const fake = (async (url: string) => {
      if (String(url).includes('NOPE')) return new Response(JSON.stringify({ error: 'unknown_symbol', message: 'unknown symbol "NOPE"' }), { status: 404 });
      return new Response(JSON.stringify({ symbol: 'X', seq: 3, status: 'in_sync', bids: [['1.0', '2']], asks: [], checksum: 1, ts: 5 }), { status: 200 });
    }) as typeof fetch;
    const r = rest('http://x', { fetch: fake });
    assert.equal((await r.depth('X', 5)).seq, 3);
    await assert.rejects(r.depth('NOPE'), (e: unknown) => e instanceof MarketDataError && e.code === 'unknown_symbol' && e.status === 404);
  });
});
