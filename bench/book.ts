// Book-apply throughput: our OrderBook against ccxt's own OrderBook on the same delta stream,
// at ~1,000 and 10,000 levels per side; and memory for 500 symbols × 2 × 1,000 levels.
// Run: make bench  (or: node --expose-gc dist/bench/book.js)
import { createRequire } from 'node:module';
import { OrderBook, type Side } from '../src/domain/order-book.js';
import { Random } from '../src/sim/random.js';
import { medianSeconds, writeResult } from './lib/result.js';

// ccxt keeps its OrderBook out of the package exports: load it by file path.
const require = createRequire(import.meta.url);
const ccxtOrderBookPath = require.resolve('ccxt').replace(/js\/ccxt\.js$|dist\/ccxt\.cjs$|js\/ccxt\.cjs$/, 'js/src/base/ws/OrderBook.js');
const { OrderBook: CcxtOrderBook } = (await import(ccxtOrderBookPath)) as {
  OrderBook: new (snapshot?: object, depth?: number) => { bids: { store(p: number, s: number): void; length: number }; asks: { store(p: number, s: number): void; length: number } };
};

interface Stream {
  sides: Uint8Array; // 0 bid, 1 ask
  prices: Float64Array; // ticks
  sizes: Float64Array; // lots, 0 removes
  length: number;
}

/**
 * A realistic L2 stream: a book of `levels` per side around a drifting mid; updates hit levels at a
 * geometric distance from the touch (most near the top), a quarter remove the level, the mid drifts.
 */
function makeStream(levels: number, n: number, seed: number): Stream {
  const r = new Random(seed);
  const s: Stream = { sides: new Uint8Array(n), prices: new Float64Array(n), sizes: new Float64Array(n), length: n };
  let mid = 1_000_000;
  const p = Math.min(0.5, 3 / levels);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.01)) mid += r.chance(0.5) ? 1 : -1;
    const side = r.chance(0.5) ? 0 : 1;
    const distance = 1 + Math.min(levels - 1, r.geometric(p));
    s.sides[i] = side;
    s.prices[i] = side === 0 ? mid - distance : mid + distance;
    s.sizes[i] = r.chance(0.25) ? 0 : r.int(1, 100_000);
  }
  return s;
}

function seedLevels(levels: number): { bids: [number, number][]; asks: [number, number][] } {
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let d = 1; d <= levels; d++) {
    bids.push([1_000_000 - d, 1000 + d]);
    asks.push([1_000_000 + d, 1000 + d]);
  }
  return { bids, asks };
}

function ours(levels: number, s: Stream): () => void {
  return () => {
    const book = new OrderBook();
    const seed = seedLevels(levels);
    book.replace(seed.bids, seed.asks, 0);
    const sides: Side[] = ['bid', 'ask'];
    for (let i = 0; i < s.length; i++) book.set(sides[s.sides[i]!]!, s.prices[i]!, s.sizes[i]!);
  };
}

function ccxt(levels: number, s: Stream): () => void {
  return () => {
    const seed = seedLevels(levels);
    const book = new CcxtOrderBook({ bids: seed.bids, asks: seed.asks });
    for (let i = 0; i < s.length; i++) (s.sides[i] === 0 ? book.bids : book.asks).store(s.prices[i]!, s.sizes[i]!);
  };
}

function throughput(levels: number, n: number, name: string): void {
  const stream = makeStream(levels, n, 42);
  const oursRate = n / medianSeconds(5, ours(levels, stream));
  const ccxtRate = n / medianSeconds(3, ccxt(levels, stream));
  writeResult({
    name,
    metric: `level updates applied per second, one core, ~${levels.toLocaleString('en-US')} levels per side`,
    value: oursRate,
    unit: 'updates/s',
    baseline: { name: 'ccxt OrderBook (same stream, same run)', value: ccxtRate },
    detail: { updates: n, levels_per_side: levels, runs: 'median of 5 (ours) / 3 (ccxt) after a warm-up' },
  });
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function memory(): void {
  const symbols = 500;
  const levels = 1000;
  const build = <T>(make: () => T) => {
    const before = heapAfterGc();
    const keep: T[] = [];
    for (let i = 0; i < symbols; i++) keep.push(make());
    const used = heapAfterGc() - before;
    return { used, keep };
  };
  const seed = seedLevels(levels);
  const a = build(() => {
    const b = new OrderBook();
    // built level by level as a live book is, not from one snapshot
    for (const [p, s] of seed.bids) b.set('bid', p, s);
    for (const [p, s] of seed.asks) b.set('ask', p, s);
    return b;
  });
  const b = build(() => {
    const book = new CcxtOrderBook({});
    for (const [p, s] of seed.bids) book.bids.store(p, s);
    for (const [p, s] of seed.asks) book.asks.store(p, s);
    return book;
  });
  writeResult({
    name: 'book-memory',
    metric: `heap for ${symbols} symbols × 2 × ${levels} levels`,
    value: a.used / 2 ** 20,
    unit: 'MiB',
    baseline: { name: 'ccxt OrderBook (same levels, same run)', value: b.used / 2 ** 20 },
    detail: { bytes_per_level: Math.round(a.used / (symbols * 2 * levels)), keep: a.keep.length + b.keep.length },
  });
}

throughput(1000, 2_000_000, 'book');
throughput(10_000, 1_000_000, 'book-10k');
memory();
