// The simulator's engine events in memory, and a MarketState ready for them: the input of the
// in-process benchmarks (book-step, tracing).
import type { WireEngineEvent } from '../../src/contract/engine-wire.js';
import { MarketState } from '../../src/ingest/market-state.js';
import { Simulation } from '../../src/sim/simulation.js';

const START = Date.UTC(2026, 0, 1);

export function simulatedEvents(n: number, symbols = 10) {
  const sim = new Simulation({ symbols, seed: 9, startTime: START, snapshotIntervalMs: 1e9, hashIntervalMs: 1e9, seedLevels: 50, maxOrders: 500 });
  const instruments = sim.instruments();
  const snapshots = sim.snapshots(0);
  const events: WireEngineEvent[] = [];
  while (events.length < n) events.push(...(sim.next(10_000, START + events.length).events as WireEngineEvent[]));
  events.length = n;
  /** A fresh state that knows the instruments and their starting books, observing nothing. */
  const freshState = () => {
    const state = new MarketState({ duplicate() {}, gap() {}, resync() {}, hash() {}, rejected() {}, candleClosed() {}, lateTrade() {} });
    for (const i of instruments) state.onInstrument(i);
    for (const s of snapshots) state.onSnapshot(s);
    return state;
  };
  return { events, freshState };
}
