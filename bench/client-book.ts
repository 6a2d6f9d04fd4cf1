// What verification costs a client: book messages applied per second by @market-data/client's
// LocalBook (prev_seq chain and CRC-32 of the top 25 after every message) beside a naive client
// that applies the same messages to the same sorted sides without checking anything, same run.
// Run: make bench  (or: node --expose-gc dist/bench/client-book.js)
import { LocalBook, Side } from '../client/src/local-book.js';
import type { BookDeltaFrame, BookFrame, BookLevel, BookSnapshotFrame } from '../src/contract/ws-frames.js';
import { checksumOfStrings } from '../src/domain/book-checksum.js';
import { Random } from '../src/sim/random.js';
import { writeResult } from './lib/result.js';

const LEVELS = 500;
const MESSAGES = 200_000;
const RUNS = 7;

const price = (ticks: number) => `${Math.floor(ticks / 10)}.${ticks % 10}`;
const size = (lots: number) => (lots / 1000).toFixed(3);

/**
 * The server side of one book: 500 levels a side around a drifting mid, each message changing 1–4
 * levels at a geometric distance from the touch (a quarter of them removals), with the checksum
 * the server computes for it.
 */
function makeFrames(seed: number): BookFrame[] {
  const r = new Random(seed);
  const bids = new Map<number, string>();
  const asks = new Map<number, string>();
  let mid = 640_000;
  for (let i = 1; i <= LEVELS; i++) {
    bids.set(mid - i, size(r.int(1, 5000)));
    asks.set(mid + i, size(r.int(1, 5000)));
  }
  const sorted = (m: Map<number, string>, desc: boolean): BookLevel[] => [...m].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0])).map(([t, q]) => [price(t), q]);
  const top = (m: Map<number, string>, desc: boolean) => sorted(m, desc).slice(0, 25);
  const snapshot: BookSnapshotFrame = { type: 'book', action: 'snapshot', symbol: 'BTCUSDT-PERP', prec: '0.1', seq: 0, status: 'in_sync', bids: sorted(bids, true), asks: sorted(asks, false), checksum: checksumOfStrings(top(bids, true), top(asks, false), 25), ts: 0 };
  const frames: BookFrame[] = [snapshot];
  for (let seq = 1; seq <= MESSAGES; seq++) {
    const changes: { bids: BookLevel[]; asks: BookLevel[] } = { bids: [], asks: [] };
    for (let k = r.int(1, 4); k > 0; k--) {
      const bid = r.chance(0.5);
      const distance = 1 + Math.min(LEVELS - 1, Math.floor(-Math.log(1 - r.next()) * 8));
      const ticks = bid ? mid - distance : mid + distance;
      const book = bid ? bids : asks;
      const q = r.chance(0.25) && book.size > LEVELS / 2 ? '0' : size(r.int(1, 5000));
      if (q === '0') book.delete(ticks);
      else book.set(ticks, q);
      (bid ? changes.bids : changes.asks).push([price(ticks), q]);
    }
    if (r.chance(0.02)) mid += r.chance(0.5) ? 1 : -1; // the touch moves now and then (crossing levels are not created)
    const delta: BookDeltaFrame = { type: 'book', action: 'delta', symbol: 'BTCUSDT-PERP', prec: '0.1', seq, prev_seq: seq - 1, ...changes, checksum: checksumOfStrings(top(bids, true), top(asks, false), 25), ts: seq, sent_us: 0 };
    frames.push(delta);
  }
  return frames;
}

function verified(frames: readonly BookFrame[]): number {
  const book = new LocalBook('BTCUSDT-PERP');
  for (const f of frames) if (book.apply(f) !== 'applied') throw new Error(`verification failed at ${f.seq}`);
  return book.seq;
}

function naive(frames: readonly BookFrame[]): number {
  const bids = new Side(true);
  const asks = new Side(false);
  let seq = 0;
  for (const f of frames) {
    if (f.action === 'status') continue;
    for (const [p, q] of f.bids) bids.set(p, q);
    for (const [p, q] of f.asks) asks.set(p, q);
    seq = f.seq;
  }
  return seq;
}

const frames = makeFrames(42);
const texts = frames.map((f) => JSON.stringify(f));
const rate = (fn: () => number) => {
  globalThis.gc?.();
  const t = process.hrtime.bigint();
  fn();
  return frames.length / (Number(process.hrtime.bigint() - t) / 1e9);
};
const runs = { verified: [] as number[], naive: [] as number[], verifiedParsed: [] as number[], naiveParsed: [] as number[] };
verified(frames); // warm-up
naive(frames);
for (let i = 0; i < RUNS; i++) {
  // alternated so that the machine's noise falls on both
  runs.verified.push(rate(() => verified(frames)));
  runs.naive.push(rate(() => naive(frames)));
  runs.verifiedParsed.push(rate(() => verified(texts.map((t) => JSON.parse(t) as BookFrame))));
  runs.naiveParsed.push(rate(() => naive(texts.map((t) => JSON.parse(t) as BookFrame))));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))];
const pairRatios = runs.verified.map((v, i) => v / runs.naive[i]!);
const r = writeResult({
  name: 'client-book',
  metric: 'book messages applied and verified per second by the client (one core)',
  value: Math.round(median(runs.verified)),
  unit: 'msgs/s',
  baseline: { name: 'naive client: the same sorted sides, no chain or checksum check', value: Math.round(median(runs.naive)) },
  detail: {
    levels_per_side: LEVELS,
    messages: frames.length,
    runs: RUNS,
    verified_spread: spread(runs.verified),
    naive_spread: spread(runs.naive),
    per_run_ratio_spread: [Math.min(...pairRatios).toFixed(3), Math.max(...pairRatios).toFixed(3)],
    with_json_parse: { verified: Math.round(median(runs.verifiedParsed)), naive: Math.round(median(runs.naiveParsed)), ratio: (median(runs.verifiedParsed) / median(runs.naiveParsed)).toFixed(3) },
    target: 'verification costs ≤ 30 % (ratio ≥ 0.7)',
  },
});
process.stdout.write(`verification costs ${((1 - r.ratio) * 100).toFixed(1)} % of the naive rate (${((1 - median(runs.verifiedParsed) / median(runs.naiveParsed)) * 100).toFixed(1)} % with JSON.parse included)\n`);
