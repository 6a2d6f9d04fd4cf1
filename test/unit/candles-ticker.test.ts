import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bucketStart, CandleBuilder, candlesFromTrades, INTERVAL_NAMES, INTERVALS, type Candle } from '../../src/domain/candle.js';
import { RollingTicker, WINDOW_SECONDS } from '../../src/domain/rolling-ticker.js';

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

/** Trades in time order, with gaps that span empty intervals of every size. */
const tradeStream = fc
  .array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 20_000_000 })),
      price: fc.integer({ min: 1, max: 1_000_000 }),
      quantity: fc.integer({ min: 1, max: 1_000_000 }),
    }),
    { minLength: 1, maxLength: 300 },
  )
  .map((xs) => {
    let ts = T0 + 12_345;
    return xs.map((x) => ({ ts: (ts += x.dt), price: x.price, quantity: x.quantity }));
  });

describe('candles', () => {
  it('built incrementally equal a batch recomputation from the same trades, for every interval', () => {
    fc.assert(
      fc.property(tradeStream, fc.integer({ min: 0, max: 3 * 86_400_000 }), (trades, extra) => {
        const until = trades[trades.length - 1]!.ts + extra;
        for (const interval of INTERVAL_NAMES) {
          const b = new CandleBuilder(interval);
          const closed: Candle[] = [];
          for (const t of trades) assert.equal(b.addTrade(t.price, t.quantity, t.ts, closed), 'ok');
          b.closeUntil(until, closed); // the clock closes what ended by `until`
          assert.deepEqual(closed, candlesFromTrades(trades, interval, until), interval);
          // the one in progress holds exactly the trades of its bucket
          const current = b.candle!;
          assert.equal(current.closed, false);
          assert.equal(current.openTime, bucketStart(until, interval) > bucketStart(trades[trades.length - 1]!.ts, interval) ? bucketStart(until, interval) : bucketStart(trades[trades.length - 1]!.ts, interval));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('volume and quote volume add up exactly to the trades, and buckets are contiguous', () => {
    fc.assert(
      fc.property(tradeStream, (trades) => {
        const closed: Candle[] = [];
        const b = new CandleBuilder('1m');
        for (const t of trades) b.addTrade(t.price, t.quantity, t.ts, closed);
        const all = [...closed, b.candle!];
        assert.equal(all.reduce((a, c) => a + c.volume, 0), trades.reduce((a, t) => a + t.quantity, 0));
        assert.equal(all.reduce((a, c) => a + c.quoteVolume, 0n), trades.reduce((a, t) => a + BigInt(t.price) * BigInt(t.quantity), 0n));
        assert.equal(all.reduce((a, c) => a + c.tradeCount, 0), trades.length);
        for (let i = 1; i < all.length; i++) assert.equal(all[i]!.openTime, all[i - 1]!.openTime + INTERVALS['1m']);
      }),
    );
  });

  it('fills an interval without trades with a flat candle at the previous close', () => {
    const b = new CandleBuilder('1m');
    const closed: Candle[] = [];
    b.addTrade(100, 5, T0 + 1_000, closed);
    b.addTrade(104, 1, T0 + 30_000, closed);
    b.addTrade(99, 2, T0 + 3 * 60_000 + 5, closed);
    assert.deepEqual(
      closed.map((c) => [c.openTime - T0, c.open, c.high, c.low, c.close, c.volume, c.tradeCount, c.closeTime - c.openTime]),
      [
        [0, 100, 104, 100, 104, 6, 2, 59_999],
        [60_000, 104, 104, 104, 104, 0, 0, 59_999],
        [120_000, 104, 104, 104, 104, 0, 0, 59_999],
      ],
    );
    assert.equal(b.addTrade(1, 1, T0 + 10, closed), 'late');
  });
});

describe('24h rolling ticker', () => {
  it('equals a brute-force window at every query time', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dt: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 40_000_000 })), price: fc.integer({ min: 1, max: 10_000 }), quantity: fc.integer({ min: 1, max: 1000 }), queryAfter: fc.integer({ min: 0, max: 90_000_000 }) }),
          { minLength: 1, maxLength: 200 },
        ),
        (steps) => {
          const t = new RollingTicker();
          const seen: { ts: number; price: number; quantity: number }[] = [];
          let ts = T0;
          for (const s of steps) {
            ts += s.dt;
            t.addTrade(s.price, s.quantity, ts);
            seen.push({ ts, price: s.price, quantity: s.quantity });
            if (s.queryAfter % 3 !== 0) continue;
            const now = ts + (s.queryAfter % 2 ? s.queryAfter : 0);
            const sec = Math.floor(now / 1000);
            const inWindow = seen.filter((x) => Math.floor(x.ts / 1000) > sec - WINDOW_SECONDS && Math.floor(x.ts / 1000) <= sec);
            const got = t.stats(now);
            assert.equal(got.count, inWindow.length);
            assert.equal(got.volume, inWindow.reduce((a, x) => a + x.quantity, 0));
            assert.equal(got.quoteVolume, inWindow.reduce((a, x) => a + BigInt(x.price) * BigInt(x.quantity), 0n));
            assert.equal(got.open, inWindow[0]?.price);
            assert.equal(got.high, inWindow.length ? Math.max(...inWindow.map((x) => x.price)) : undefined);
            assert.equal(got.low, inWindow.length ? Math.min(...inWindow.map((x) => x.price)) : undefined);
            assert.equal(got.last, seen[seen.length - 1]!.price);
            ts = Math.max(ts, now); // time only moves forward
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays exact when its storage grows after the window has moved (quiet days, then a busy hour)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapS: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 80_000, max: 200_000 })), burst: fc.integer({ min: 1, max: 300 }), price: fc.integer({ min: 1, max: 10_000 }) }), { minLength: 1, maxLength: 30 }),
        (phases) => {
          const t = new RollingTicker();
          const seen: { sec: number; price: number }[] = [];
          let sec = 1_700_000_000;
          for (const ph of phases) {
            sec += ph.gapS;
            for (let k = 0; k < ph.burst; k++) {
              sec += 1;
              const price = ph.price + (k % 13);
              t.addTrade(price, 1, sec * 1000);
              seen.push({ sec, price });
            }
            const inWindow = seen.filter((x) => x.sec > sec - WINDOW_SECONDS && x.sec <= sec);
            const got = t.stats(sec * 1000);
            assert.equal(got.count, inWindow.length);
            assert.equal(got.open, inWindow[0]?.price);
            assert.equal(got.high, Math.max(...inWindow.map((x) => x.price)));
            assert.equal(got.low, Math.min(...inWindow.map((x) => x.price)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stays exact over more than a day of dense seconds, restored windows and quote volumes beyond 64 bits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.record({ sec: fc.integer({ min: 0, max: 50 }), price: fc.integer({ min: 1, max: 2 ** 40 }), quantity: fc.integer({ min: 1, max: 2 ** 30 }) }), { minLength: 10, maxLength: 40 }),
        fc.integer({ min: 0, max: 3000 }),
        (seed, pattern, restoredSeconds) => {
          // a restored window, then trades in most seconds for ~1.3 days (the ring grows, wraps and evicts)
          const perSec = new Map<number, { open: number; high: number; low: number; close: number; volume: number; quoteVolume: bigint; count: number }>();
          const add = (sec: number, price: number, quantity: number) => {
            const b = perSec.get(sec) ?? { open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0n, count: 0 };
            b.high = Math.max(b.high, price);
            b.low = Math.min(b.low, price);
            b.close = price;
            b.volume += quantity;
            b.quoteVolume += BigInt(price) * BigInt(quantity);
            b.count++;
            perSec.set(sec, b);
          };
          const base = 1_700_000_000;
          for (let k = 0; k < restoredSeconds; k++) add(base + k * 7, pattern[k % pattern.length]!.price, pattern[k % pattern.length]!.quantity);
          const t = new RollingTicker();
          t.restore([...perSec].map(([sec, b]) => ({ sec, ...b })));
          let sec = base + restoredSeconds * 7;
          let rnd = seed;
          const check = (now: number) => {
            const at = Math.floor(now / 1000);
            const inWindow = [...perSec].filter(([s]) => s > at - WINDOW_SECONDS && s <= at).sort((a, b) => a[0] - b[0]);
            const got = t.stats(now);
            assert.equal(got.count, inWindow.reduce((a, [, b]) => a + b.count, 0));
            assert.equal(got.volume, inWindow.reduce((a, [, b]) => a + b.volume, 0));
            assert.equal(got.quoteVolume, inWindow.reduce((a, [, b]) => a + b.quoteVolume, 0n));
            assert.equal(got.open, inWindow[0]?.[1].open);
            assert.equal(got.high, inWindow.length ? Math.max(...inWindow.map(([, b]) => b.high)) : undefined);
            assert.equal(got.low, inWindow.length ? Math.min(...inWindow.map(([, b]) => b.low)) : undefined);
            assert.ok(t.size <= WINDOW_SECONDS);
          };
          for (let k = 0; sec < base + 115_000; k++) {
            const p = pattern[k % pattern.length]!;
            rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
            sec += rnd % 4 === 0 ? 2 : rnd % 4 === 1 ? 0 : 1;
            add(sec, p.price, p.quantity);
            t.addTrade(p.price, p.quantity, sec * 1000 + (rnd % 1000));
            if (k % 20_011 === 0) check(sec * 1000 + 999);
          }
          check(sec * 1000 + 999);
          check((sec + 40_000) * 1000);
          check((sec + 90_000) * 1000);
        },
      ),
      { numRuns: 4 },
    );
  });

  it('keeps at most one bucket per traded second of the window', () => {
    const t = new RollingTicker();
    for (let i = 0; i < 200_000; i++) t.addTrade(100 + (i % 7), 1, T0 + i * 500);
    assert.ok(t.size <= WINDOW_SECONDS, `${t.size} before any read`);
    t.stats(T0 + 200_000 * 500);
    assert.ok(t.size <= WINDOW_SECONDS, `${t.size}`);
  });
});
