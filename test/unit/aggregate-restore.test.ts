import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { INTERVAL_NAMES } from '../../src/domain/candle.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { secondsFromLevels } from '../../src/ingest/aggregate-restore.js';
import { TradeAggregates, type ClosedCandle } from '../../src/ingest/trade-aggregates.js';
import type { SecondPriceLevel } from '../../src/store/trade-history.js';

const inst = makeInstrument({ symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.01', lotSize: '0.0001' });
const T0 = Date.UTC(2026, 10, 22, 23, 30, 0);

/** Trades in time order (several per second, some seconds apart, across a day boundary), with engine sequences. */
const tradeStream = fc
  .array(
    fc.record({
      dt: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 90_000 }), fc.integer({ min: 0, max: 4_000_000 })),
      price: fc.integer({ min: 1, max: 20 }),
      quantity: fc.integer({ min: 1, max: 1_000_000 }),
    }),
    { minLength: 2, maxLength: 200 },
  )
  .map((xs) => {
    let ts = T0;
    return xs.map((x, i) => ({ sequence: 10 + 2 * i, ts: (ts += x.dt), price: 640_000 + x.price, quantity: x.quantity }));
  });

/** What ClickHouse returns for the stored trades: grouped by second and price, ordered by second then first sequence. */
function levelsOf(trades: { sequence: number; ts: number; price: number; quantity: number }[]): SecondPriceLevel[] {
  const byKey = new Map<string, SecondPriceLevel & { q: number }>();
  for (const t of trades) {
    const sec = Math.floor(t.ts / 1000);
    const key = `${sec}/${t.price}`;
    const l = byKey.get(key) ?? { sec, price: inst.tick.format(t.price), quantity: '', q: 0, count: 0, firstSequence: t.sequence, lastSequence: t.sequence };
    l.q += t.quantity;
    l.count++;
    l.lastSequence = t.sequence;
    byKey.set(key, l);
  }
  return [...byKey.values()]
    .sort((a, b) => a.sec - b.sec || a.firstSequence - b.firstSequence)
    .map(({ q, ...l }) => ({ ...l, quantity: `${inst.lot.format(q)}000` })); // ClickHouse pads decimals to scale 18
}

describe('aggregates restored from stored trades after a restart', () => {
  it('then fed the replay (overlapping what was stored) equal aggregates that never stopped', () => {
    fc.assert(
      fc.property(tradeStream, fc.nat(), fc.nat(), (trades, splitSeed, overlapSeed) => {
        const split = 1 + (splitSeed % (trades.length - 1)); // trades [0, split) were stored before the crash
        const replayFrom = split - (overlapSeed % (split + 1)); // the replay starts at the committed offset, at or before split
        const live = new TradeAggregates();
        const restarted = new TradeAggregates();
        const liveClosed: ClosedCandle[] = [];
        const restartedClosed: ClosedCandle[] = [];
        trades.forEach((t, i) => live.onTrade('BTC-USDT', t.sequence, t.price, t.quantity, t.ts, i < split ? [] : liveClosed));
        restarted.restore('BTC-USDT', secondsFromLevels(levelsOf(trades.slice(0, split)), inst), trades[split - 1]!.sequence);
        // a restarted service publishes its ticker while it waits for its partitions: no event has set the engine clock yet
        restarted.ticker('BTC-USDT')!.stats(restarted.engineNow(T0 + 90 * 86_400_000)); // this machine's clock, far from the engine's
        for (const t of trades.slice(replayFrom)) restarted.onTrade('BTC-USDT', t.sequence, t.price, t.quantity, t.ts, restartedClosed);

        assert.deepEqual(restartedClosed, liveClosed, 'candles closed after the restart');
        for (const interval of INTERVAL_NAMES) assert.deepEqual(restarted.candle('BTC-USDT', interval), live.candle('BTC-USDT', interval), interval);
        const now = trades[trades.length - 1]!.ts + 5_000;
        assert.deepEqual(restarted.ticker('BTC-USDT')!.stats(now), live.ticker('BTC-USDT')!.stats(now), '24h ticker');
      }),
      { numRuns: 300 },
    );
  });

  it('a second holds open, close, high, low and exact quote volume whatever order its price levels come in', () => {
    const levels: SecondPriceLevel[] = [
      { sec: 100, price: '10.000000000000000000', quantity: '1.5', count: 2, firstSequence: 1, lastSequence: 7 },
      { sec: 100, price: '12.5', quantity: '0.0001', count: 1, firstSequence: 3, lastSequence: 3 },
      { sec: 100, price: '9.99', quantity: '2', count: 1, firstSequence: 5, lastSequence: 5 },
      { sec: 101, price: '11', quantity: '1', count: 1, firstSequence: 9, lastSequence: 9 },
    ];
    const [a, b] = secondsFromLevels(levels, inst);
    assert.deepEqual(a, { sec: 100, open: 1000, high: 1250, low: 999, close: 1000, volume: 35_001, quoteVolume: 1000n * 15_000n + 1250n + 999n * 20_000n, count: 4 });
    assert.equal(b!.open, 1100);
  });
});
