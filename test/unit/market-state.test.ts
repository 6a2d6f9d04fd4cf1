import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireEngineEvent } from '../../src/contract/engine-wire.js';
import { candlesFromTrades } from '../../src/domain/candle.js';
import { MarketState, type IngestObserver } from '../../src/ingest/market-state.js';
import { buildMarketOutput } from '../../src/ingest/output-builder.js';
import { FaultInjector, NO_FAULTS, type FaultRates } from '../../src/sim/faults.js';
import { Simulation } from '../../src/sim/simulation.js';

const simOptions = { symbols: 4, seed: 21, startTime: 1_700_000_000_000, snapshotIntervalMs: 200, hashIntervalMs: 100, seedLevels: 40, maxOrders: 600 };

function counter() {
  const c = { duplicate: 0, gap: 0, resync: {} as Record<string, number>, hash: {} as Record<string, number>, rejected: {} as Record<string, number> };
  const observer: IngestObserver = {
    duplicate: () => c.duplicate++,
    gap: (_s, n) => (c.gap += n),
    resync: (_s, r) => (c.resync[r] = (c.resync[r] ?? 0) + 1),
    hash: (_s, r) => (c.hash[r] = (c.hash[r] ?? 0) + 1),
    rejected: (_s, r) => (c.rejected[r] = (c.rejected[r] ?? 0) + 1),
    candleClosed: () => undefined,
    lateTrade: () => undefined,
  };
  return { c, observer };
}

/** Plays the simulator into a MarketState through a fault injector; returns both. */
function play(faults: FaultRates, batches = 80, tamper: (events: WireEngineEvent[], batch: number) => WireEngineEvent[] = (e) => e, pauseAt?: { batch: number; ms: number }, engineMsPerBatch = 50) {
  const sim = new Simulation(simOptions);
  const { c, observer } = counter();
  const state = new MarketState(observer);
  for (const i of sim.instruments()) state.onInstrument(i);
  const injector = new FaultInjector(faults, 99, (s) => sim.instrument(s), (s) => sim.models.find((m) => m.instrument.symbol === s)!.engine.book.asks.bestPrice());
  let now = 0;
  let dlq = 0;
  const outputs = [];
  for (let b = 0; b < batches; b++) {
    now += 50;
    // an engine paused for a while (a weekend): its clock and ours move on together
    const paused = pauseAt && b >= pauseAt.batch ? pauseAt.ms : 0;
    if (pauseAt && b === pauseAt.batch) now += pauseAt.ms;
    const batch = sim.next(300, simOptions.startTime + b * engineMsPerBatch + paused);
    const msgs = injector.apply(tamper(batch.events, b), (e) => Buffer.from(JSON.stringify(e)));
    for (const m of msgs) {
      let e: WireEngineEvent;
      try {
        e = JSON.parse(m.value.toString()) as WireEngineEvent;
      } catch {
        dlq++;
        continue;
      }
      state.onEvent(e, now);
    }
    for (const s of batch.snapshots) state.onSnapshot(s);
    for (const h of batch.hashes) state.onHash(h);
    state.tick(now);
    outputs.push(take(state));
  }
  // the engine's final word, as the simulator publishes it at the end
  now += 1000;
  state.tick(now);
  for (const s of sim.snapshots(0)) state.onSnapshot(s);
  for (const h of sim.hashes(0)) state.onHash(h);
  outputs.push(take(state));
  return { sim, state, c, dlq, injector, outputs };
}

/** Takes a batch's output and, as the publisher does, the snapshot books right then. */
function take(state: MarketState) {
  const o = state.takeOutput();
  const books = new Map([...o.snapshots.keys()].map((s) => [s, state.books.book(s)!.depth(Infinity)]));
  return { ...o, books };
}

function assertBooksEqualEngine(sim: Simulation, state: MarketState) {
  for (const m of sim.models) {
    const symbol = m.instrument.symbol;
    assert.equal(state.status(symbol), 'in_sync', `${symbol} in sync`);
    assert.deepEqual(state.books.book(symbol)!.depth(Infinity), m.engine.book.depth(Infinity), `${symbol} book`);
    assert.equal(state.books.book(symbol)!.sequence, m.engine.sequence);
  }
}

describe('MarketState (ingest core) against the simulator', () => {
  it('without faults: books equal the engine, every trade out once, every hash matches, no resync', () => {
    const { sim, state, c, outputs } = play(NO_FAULTS);
    assertBooksEqualEngine(sim, state);
    assert.deepEqual(c.resync, {});
    assert.ok((c.hash.match ?? 0) > 100, JSON.stringify(c.hash));
    assert.equal(c.hash.mismatch, undefined);
    const trades = outputs.flatMap((o) => o.trades);
    assert.equal(new Set(trades.map((t) => t.trade.trade_id)).size, trades.length);
    assert.ok(trades.length > 1000);
  });

  it('with gaps, duplicates, reordering, bad messages and crossed books: books still end equal to the engine', () => {
    const { sim, state, c, dlq, injector, outputs } = play({ gap: 0.002, duplicate: 0.003, reorder: 0.003, bad: 0.002, crossed: 0.002 });
    const f = injector.counts;
    for (const [k, n] of Object.entries(f)) assert.ok(n > 0, `${k} injected`);
    assertBooksEqualEngine(sim, state);
    assert.equal(dlq, f.bad);
    assert.equal(c.duplicate, f.duplicate);
    assert.ok(c.gap >= f.gap, `gaps counted ${c.gap} >= injected ${f.gap}`);
    assert.ok((c.resync.gap ?? 0) > 0 && (c.resync.crossed ?? 0) + (c.resync.hash_mismatch ?? 0) > 0, JSON.stringify(c.resync));
    // no trade published twice, and no crossed book was ever passed on
    const trades = outputs.flatMap((o) => o.trades);
    assert.equal(new Set(trades.map((t) => t.trade.trade_id)).size, trades.length);
  });

  it('with an engine clock running 12× faster than ours, a trade held behind a gap still lands in its candle (none closed early)', () => {
    // 50 ms of our time is 600 ms of the engine's: a gap held for the reorder wait (250 ms) lets the
    // engine clock pass the close grace (2 s), which closed candles whose trades were still held
    const { sim, outputs } = play({ gap: 0.01, duplicate: 0, reorder: 0.003, bad: 0, crossed: 0 }, 400, undefined, undefined, 600);
    const trades = outputs.flatMap((o) => o.trades);
    const closed = outputs.flatMap((o) => o.candles).filter((c) => c.candle.interval === '1m');
    let checked = 0;
    for (const m of sim.models) {
      const inst = m.instrument;
      const mine = closed.filter((c) => c.symbol === inst.symbol).map((c) => c.candle);
      const units = trades.filter((t) => t.symbol === inst.symbol).map((t) => ({ price: inst.tick.toUnits(t.trade.price), quantity: inst.lot.toUnits(t.trade.quantity), ts: t.timestamp }));
      const expected = candlesFromTrades(units, '1m', mine[mine.length - 1]!.closeTime + 1);
      assert.deepEqual(mine.map((c) => [c.openTime, c.tradeCount, c.close]), expected.map((c) => [c.openTime, c.tradeCount, c.close]), `${inst.symbol} 1m candles`);
      checked += mine.length;
    }
    assert.ok(checked >= 4 * 3, `${checked} candles checked`);
  });

  it('after the broker was away the clock closes no candle until the engine is heard again (its held trades come after the consumer found the old end)', () => {
    const sim = new Simulation(simOptions);
    const state = new MarketState(counter().observer);
    for (const i of sim.instruments()) state.onInstrument(i);
    state.setSymbolPartitioner(() => 0);
    let now = 0;
    const feed = (b: number) => {
      for (const e of sim.next(300, simOptions.startTime + b * 50).events) state.onEvent(e, now);
      state.partitionRead(0, true, now);
    };
    for (let b = 0; b < 20; b++) {
      now += 50;
      state.noteFetch(now);
      feed(b);
      state.tick(now);
    }
    state.takeOutput();
    // fetches answered for 70 s (past the minute and its grace), the partition at its end
    const answered = (ms: number) => {
      for (const end = now + ms; now < end; now += 500) {
        state.noteFetch(now);
        state.partitionRead(0, true, now);
        state.tick(now);
      }
    };
    now += 10_000; // the broker away: no fetch answered
    answered(70_000); // back, the partition at its old end, the engine not heard yet
    assert.deepEqual(state.takeOutput().candles, [], 'nothing closed by the clock before the engine speaks again');
    feed(20); // the engine's held events: its clock is followed again
    answered(70_000);
    assert.ok(state.takeOutput().candles.length >= simOptions.symbols, 'the clock closes again once events flow');
  });

  it('a candle the clock closes right after the periodic open-candle output goes out once, closed, and not reopened', () => {
    const sim = new Simulation(simOptions);
    const state = new MarketState(counter().observer);
    for (const i of sim.instruments()) state.onInstrument(i);
    let now = 0;
    for (let b = 0; b < 20; b++) {
      now += 50;
      for (const e of sim.next(300, simOptions.startTime + b * 50).events) state.onEvent(e, now);
      state.tick(now);
    }
    state.takeOutput();
    state.markOpenCandles(); // the periodic output an edge starts from
    state.tick(now + 10 * 60_000); // the engine clock passes the minute: its candles close
    const out = buildMarketOutput(state.takeOutput(), state, now);
    const closed = out.candles.filter((c) => c.closed).map((c) => `${c.symbol}/${c.interval}/${c.open_time}`);
    assert.ok(closed.length >= simOptions.symbols, `${closed.length} closed`);
    assert.equal(new Set(closed).size, closed.length, 'each close once');
    const reopened = out.candles.filter((c) => !c.closed && closed.includes(`${c.symbol}/${c.interval}/${c.open_time}`));
    assert.deepEqual(reopened, [], 'no open update of a candle closed in the same output');
  });

  it('an event with an absurd sequence or timestamp is rejected, and its symbol goes on as if it never came', () => {
    const absurd = (events: WireEngineEvent[], b: number) => {
      if (b % 10 !== 5) return events;
      const e = events.find((x) => x.kind === 'BOOK_DELTA')!;
      // far in the future (without the check: held, then a "gap" to it, and every real event after a duplicate)
      const future = { ...e, sequence: e.sequence + 1e12 };
      const late = { ...e, sequence: e.sequence + 1, timestamp: e.timestamp + 30 * 86_400_000 };
      return [...events, future, late];
    };
    const { sim, state, c, outputs } = play(NO_FAULTS, 80, absurd);
    assertBooksEqualEngine(sim, state);
    assert.equal(c.rejected.sequence_out_of_range, 8);
    assert.ok((c.rejected.timestamp_out_of_range ?? 0) + (c.duplicate ?? 0) >= 8, JSON.stringify(c));
    const trades = outputs.flatMap((o) => o.trades);
    assert.equal(new Set(trades.map((t) => t.trade.trade_id)).size, trades.length);
    assert.equal(outputs.flatMap((o) => o.rejected).length, Object.values(c.rejected).reduce((a, n) => a + n, 0), 'each rejection goes to the DLQ');
  });

  it('an engine quiet for three days is not refused when its events come again', () => {
    const { sim, state, c } = play(NO_FAULTS, 80, undefined, { batch: 40, ms: 3 * 86_400_000 });
    assert.deepEqual(c.rejected, {});
    assertBooksEqualEngine(sim, state);
  });

  it('published deltas chain by prevSequence, restarting from each snapshot, and rebuild the engine book', () => {
    const { sim, state, outputs } = play({ gap: 0.002, duplicate: 0.002, reorder: 0.002, bad: 0, crossed: 0.001 });
    const rebuilt = new Map(sim.models.map((m) => [m.instrument.symbol, { seq: 0, bids: new Map<number, number>(), asks: new Map<number, number>() }]));
    let deltas = 0;
    // a book that broke is announced, and nothing of it follows until the snapshot that rebuilds it
    const broken = new Set<string>();
    let breaks = 0;
    for (const o of outputs) {
      for (const symbol of o.breaks) {
        assert.ok(!o.snapshots.has(symbol) || o.snapshots.get(symbol)!.reason === 'periodic', `${symbol}: a break rebuilt in the same output is not announced`);
        broken.add(symbol);
        breaks++;
      }
      for (const [symbol, d] of o.deltas) {
        assert.ok(!broken.has(symbol), `${symbol}: a delta at ${d.sequence} after the book broke, before its rebuild`);
        const r = rebuilt.get(symbol)!;
        assert.equal(d.prevSequence, r.seq, `${symbol} delta chain`);
        for (const [p, s] of d.bids) s ? r.bids.set(p, s) : r.bids.delete(p);
        for (const [p, s] of d.asks) s ? r.asks.set(p, s) : r.asks.delete(p);
        r.seq = d.sequence;
        deltas++;
      }
      for (const [symbol, snap] of o.snapshots) {
        const book = o.books.get(symbol)!;
        rebuilt.set(symbol, { seq: snap.sequence, bids: new Map(book.bids), asks: new Map(book.asks) });
        if (snap.reason !== 'periodic') broken.delete(symbol);
      }
    }
    assert.ok(deltas > 50, `${deltas} merged deltas`);
    assert.ok(breaks > 0, 'the gaps broke books, and that was announced');
    assert.deepEqual([...broken], [], 'every broken book was rebuilt');
    for (const m of sim.models) {
      const r = rebuilt.get(m.instrument.symbol)!;
      const engine = m.engine.book.depth(Infinity);
      assert.deepEqual([...r.bids].sort((a, b) => b[0] - a[0]), engine.bids, `${m.instrument.symbol} bids rebuilt downstream`);
      assert.deepEqual([...r.asks].sort((a, b) => a[0] - b[0]), engine.asks, `${m.instrument.symbol} asks rebuilt downstream`);
    }
    assertBooksEqualEngine(sim, state);
  });

  it('holds events of a symbol whose instrument is late, and rejects them if it never comes', () => {
    const { observer, c } = counter();
    const state = new MarketState(observer);
    const sim = new Simulation({ ...simOptions, symbols: 1 });
    const events = sim.next(50, simOptions.startTime).events;
    for (const e of events) state.onEvent(e, 0);
    state.onInstrument(sim.instruments()[0]!);
    assert.deepEqual(state.books.book('BTCUSDT-PERP')!.depth(Infinity), sim.models[0]!.engine.book.depth(Infinity));

    const state2 = new MarketState(observer);
    for (const e of events) state2.onEvent({ ...e, symbol: 'NOPE' }, 0);
    state2.tick(20_000);
    assert.equal(c.rejected.unknown_symbol, events.length);
    assert.equal(state2.takeOutput().rejected.length, events.length);
  });

  it('an event read after a stall (a rebalance, a paused consumer) is not declared lost while it waits in Kafka: its trade goes out', () => {
    const sim = new Simulation({ ...simOptions, symbols: 1 });
    const events = sim.next(400, simOptions.startTime).events;
    const k = events.findIndex((e, i) => i > 50 && e.kind === 'TRADE');
    const run = (batchPastHold: boolean) => {
      const { observer, c } = counter();
      const state = new MarketState(observer);
      state.onInstrument(sim.instruments()[0]!);
      const give = (list: WireEngineEvent[], now: number) => {
        for (const e of list) state.onEvent(e, now, { partition: 0, offset: events.indexOf(e) });
        state.partitionRead(0, false, now);
      };
      // a fetch ends just past the trade's place, which the next fetch brings (reordered in front of it)
      give([...events.slice(0, k), ...events.slice(k + 1, k + 4)], 1000);
      if (batchPastHold) give(events.slice(k + 4, k + 6), 1100); // a later batch came without it: lost
      state.tick(6000); // five seconds without a fetch
      give([events[k]!, ...events.slice(k + (batchPastHold ? 6 : 4))], 6000);
      state.tick(6100);
      return { c, trades: state.takeOutput().trades.map((t) => t.trade.trade_id) };
    };
    const stalled = run(false);
    assert.equal(stalled.c.gap, 0, 'no gap declared while the consumer had not read on');
    const want = events.filter((e) => e.kind === 'TRADE').map((e) => e.trade!.trade_id);
    assert.deepEqual(stalled.trades, want, 'every trade out once, in order');
    const lost = run(true);
    assert.equal(lost.c.gap, 1, 'read past and still missing: declared lost');
    assert.equal(lost.c.duplicate, 1, 'and dropped as old when it comes after all');
  });

  it('marks a halted symbol and publishes a fresh snapshot on resume', () => {
    const { observer } = counter();
    const state = new MarketState(observer);
    const sim = new Simulation({ ...simOptions, symbols: 1 });
    state.onInstrument(sim.instruments()[0]!);
    state.onStatus({ symbol: 'BTCUSDT-PERP', status: 'halted', reason: 'test', sequence: 0, timestamp: 0 });
    assert.equal(state.status('BTCUSDT-PERP'), 'halted');
    state.onStatus({ symbol: 'BTCUSDT-PERP', status: 'trading', reason: '', sequence: 0, timestamp: 0 });
    assert.equal(state.status('BTCUSDT-PERP'), 'in_sync');
    assert.equal(state.takeOutput().snapshots.get('BTCUSDT-PERP')?.reason, 'resume');
  });
});

describe('open interest and the 24h ticker view', () => {
  it('takes the engine open interest into the ticker, and refuses a malformed one', async () => {
    const { tickerView } = await import('../../src/domain/wire-views.js');
    const { observer, c } = counter();
    const state = new MarketState(observer);
    const sim = new Simulation({ ...simOptions, symbols: 1 });
    state.onInstrument(sim.instruments()[0]!);
    const events = sim.next(200, simOptions.startTime).events;
    for (const e of events) state.onEvent(e, 0);
    const last = events[events.length - 1]!;
    const oi = (sequence: number, quantity: string) => ({ ...last, sequence, kind: 'OPEN_INTEREST' as const, trade: null, book_delta: null, open_interest: { quantity } });
    state.onEvent(oi(last.sequence + 1, '1234.5'), 0);
    assert.equal(state.openInterest.get('BTCUSDT-PERP'), '1234.500');
    state.onEvent(oi(last.sequence + 2, '-1'), 0);
    assert.equal(c.rejected.open_interest_negative, 1);
    assert.equal(state.openInterest.get('BTCUSDT-PERP'), '1234.500');
    const inst = state.instrument('BTCUSDT-PERP')!;
    const view = tickerView(inst, state.aggregates.ticker('BTCUSDT-PERP')!.stats(simOptions.startTime + 1000), state.books.book('BTCUSDT-PERP'), state.openInterest.get('BTCUSDT-PERP')!, 0);
    assert.equal(view.open_interest, '1234.500');
    const trades = events.filter((e) => e.kind === 'TRADE');
    assert.equal(view.trade_count, trades.length);
    assert.equal(view.last, trades[trades.length - 1]!.trade!.price);
    assert.match(view.price_change_percent!, /^-?\d+\.\d{3}$/);
    assert.equal(view.best_bid, inst.tick.format(state.books.book('BTCUSDT-PERP')!.bestBid()![0]));
  });
});

describe('percentChange', () => {
  it('is rounded half away from zero to exactly 3 decimals', async () => {
    const { percentChange } = await import('../../src/domain/wire-views.js');
    assert.equal(percentChange(1000, 1000), '0.000');
    assert.equal(percentChange(3, 4), '33.333');
    assert.equal(percentChange(3, 2), '-33.333');
    assert.equal(percentChange(200000, 200001), '0.001'); // 0.0005 % rounds away from zero
    assert.equal(percentChange(200001, 200000), '0.000'); // −0.0004999975 % is nearer 0 than −0.001
    assert.equal(percentChange(8, 9), '12.500');
  });
});
