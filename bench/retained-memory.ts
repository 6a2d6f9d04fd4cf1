// Memory per symbol at full retention, measured rather than guessed: what a process keeps for one
// busy symbol at every cap (the book stream's 10,000 deltas for resumes, with their messages built;
// 10,000 trades; a day of 24h-ticker seconds; the undo log's 65,536 level changes), from V8's heap
// and array buffers after forced GCs, beside the symbol's order book alone (2 × 1,000 levels).
// Run: node --expose-gc dist/bench/retained-memory.js
import { BookStream } from '../src/api/book-stream.js';
import { EventStream, tradesMessage } from '../src/api/event-stream.js';
import { makeInstrument } from '../src/domain/instrument.js';
import { OrderBook } from '../src/domain/order-book.js';
import { RollingTicker, WINDOW_SECONDS } from '../src/domain/rolling-ticker.js';
import type { TradeView } from '../src/domain/wire-views.js';
import { UndoLog } from '../src/ingest/undo-log.js';
import { Random } from '../src/sim/random.js';
import { writeResult } from './lib/result.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const SYMBOLS = 8; // several of each, so the figure is per symbol and not one allocation's rounding
const DELTAS = 10_000;
const TRADES = 10_000;
const UNDO = 65_536;
const LEVELS = 1_000;
const inst = makeInstrument({ symbol: 'BTCUSDT-PERP', base: 'BTC', quote: 'USDT', kind: 'spot', status: 'trading', tickSize: '0.01', lotSize: '0.0001' });
const r = new Random(7);

const used = () => {
  for (let i = 0; i < 4; i++) gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Bytes per symbol that `make` keeps reachable (through the returned values). */
function measure(make: () => unknown): number {
  const before = used();
  const kept: unknown[] = [];
  for (let s = 0; s < SYMBOLS; s++) kept.push(make());
  const bytes = (used() - before) / SYMBOLS;
  if (kept.length !== SYMBOLS) throw new Error('unreachable');
  return bytes;
}

function fullBook(): OrderBook {
  const book = new OrderBook();
  for (let i = 1; i <= LEVELS; i++) {
    book.set('bid', 6_400_000 - i, r.int(1, 1_000_000));
    book.set('ask', 6_400_000 + i, r.int(1, 1_000_000));
  }
  return book;
}

const book = measure(fullBook);

const deltas = measure(() => {
  const b = fullBook();
  const stream = new BookStream(inst.symbol, inst, 1);
  stream.rebase(b, 0, false);
  const t0 = Date.now();
  for (let seq = 1; seq <= DELTAS; seq++) {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (let k = r.int(1, 3); k > 0; k--) {
      const side = r.chance(0.5) ? 'bid' : 'ask';
      const price = side === 'bid' ? 6_400_000 - 1 - Math.min(LEVELS - 1, r.geometric(0.3)) : 6_400_000 + 1 + Math.min(LEVELS - 1, r.geometric(0.3));
      const size = r.chance(0.2) ? 0 : r.int(1, 1_000_000);
      b.set(side, price, size);
      (side === 'bid' ? bids : asks).set(price, size);
    }
    b.sequence = seq;
    // every delta inside the 60 s window, and its message built (someone reads the stream)
    const d = stream.delta(b, seq, { bids, asks }, t0 + seq, (t0 + seq) * 1000);
    if (d) stream.json(d);
  }
  if (stream.historyLength !== DELTAS) throw new Error(`history held ${stream.historyLength}`);
  return { b, stream };
}) - book;

const trades = measure(() => {
  const s = new EventStream<TradeView>(inst.symbol, tradesMessage);
  const t0 = Date.now();
  for (let i = 0; i < TRADES; i++) {
    const v: TradeView = { id: String(1_000_000_000 + i), price: inst.tick.format(6_400_000 + r.int(-500, 500)), qty: inst.lot.format(r.int(1, 100_000)), side: r.chance(0.5) ? 'buy' : 'sell', ts: t0 + i, seq: 5_000_000 + i };
    s.add([v], (t0 + i) * 1000);
  }
  if (s.held !== TRADES) throw new Error(`trades held ${s.held}`);
  return s;
});

const ticker = measure(() => {
  const t = new RollingTicker();
  const t0 = Date.UTC(2026, 11, 6);
  for (let i = 0; i < WINDOW_SECONDS; i++) t.addTrade(6_400_000 + r.int(-5000, 5000), r.int(1, 1_000_000), t0 + i * 1000);
  return t;
});

const undo = measure(() => {
  const u = new UndoLog();
  for (let i = 0; i < UNDO; i++) u.record(i + 1, i % 2 ? 'bid' : 'ask', 6_400_000 + r.int(-500, 500), r.int(0, 1_000_000));
  return u;
});

const mib = (b: number) => Number((b / 2 ** 20).toFixed(2));
const perSymbol = deltas + trades + ticker + undo;
writeResult({
  name: 'retained-memory',
  metric: 'memory one busy symbol holds at every cap: 10,000 book deltas (built), 10,000 trades, a day of ticker seconds, 65,536 undo entries',
  value: mib(perSymbol),
  unit: 'MiB',
  baseline: { name: `its order book alone (2 × ${LEVELS.toLocaleString('en-US')} levels)`, value: mib(book) },
  detail: {
    book_delta_history_mib: mib(deltas),
    bytes_per_book_delta: Math.round(deltas / DELTAS),
    trade_history_mib: mib(trades),
    bytes_per_trade: Math.round(trades / TRADES),
    ticker_day_mib: mib(ticker),
    bytes_per_ticker_second: Math.round(ticker / WINDOW_SECONDS),
    undo_log_mib: mib(undo),
    bytes_per_undo_entry: Math.round(undo / UNDO),
  },
});
