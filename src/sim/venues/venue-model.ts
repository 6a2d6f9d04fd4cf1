// The market a venue stand-in serves: per symbol an L2 book on integer ticks and lots that moves
// by a seeded random walk, and the trades that move it. Each step is one batch of level changes
// (the venue's "update id" advances by one per batch), so every protocol formats the same
// batches in its own way. Pure: no I/O, no timers.
import { Random } from '../random.js';

export interface VenueSymbol {
  /** ccxt's unified symbol, BASE/QUOTE (spot) or BASE/QUOTE:SETTLE (linear perpetual). */
  symbol: string;
  base: string;
  quote: string;
  /** Decimal strings: the venue's price tick and size step. */
  tickSize: string;
  lotSize: string;
  /** Starting mid price in ticks. */
  midTicks: number;
}

export type LevelChange = { side: 'bid' | 'ask'; price: number; size: number };
export interface ModelTrade { id: number; price: number; size: number; takerSide: 'buy' | 'sell'; ts: number }

export interface ModelStep {
  symbol: string;
  updateId: number;
  firstUpdateId: number;
  changes: LevelChange[];
  trades: ModelTrade[];
  ts: number;
}

const LEVELS = 30;

export class SymbolModel {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  updateId = 1000;
  private tradeId = 1;
  private mid: number;
  /** 24h statistics, enough for a ticker. */
  open: number;
  high: number;
  low: number;
  volume = 0;
  /** Sum of price × size, in units of tick × lot. */
  quoteVolume = 0n;
  last: number;

  constructor(
    readonly spec: VenueSymbol,
    private readonly rng: Random,
  ) {
    this.mid = spec.midTicks;
    this.open = this.high = this.low = this.last = spec.midTicks;
    for (let i = 1; i <= LEVELS; i++) {
      this.bids.set(this.mid - i, this.size());
      this.asks.set(this.mid + i, this.size());
    }
  }

  private size(): number {
    return this.rng.int(1, 5000);
  }

  /** Levels sorted best first. */
  levels(side: 'bid' | 'ask', depth = Infinity): [number, number][] {
    const m = side === 'bid' ? this.bids : this.asks;
    const keys = [...m.keys()].sort((a, b) => (side === 'bid' ? b - a : a - b));
    return keys.slice(0, depth).map((k) => [k, m.get(k)!]);
  }

  bestBid(): number {
    return Math.max(...this.bids.keys());
  }

  bestAsk(): number {
    return Math.min(...this.asks.keys());
  }

  /** One batch: a few level changes, sometimes a trade that takes the top of one side. */
  step(now: number): ModelStep {
    const changes: LevelChange[] = [];
    const trades: ModelTrade[] = [];
    const set = (side: 'bid' | 'ask', price: number, size: number) => {
      const m = side === 'bid' ? this.bids : this.asks;
      if (size === 0) m.delete(price);
      else m.set(price, size);
      changes.push({ side, price, size });
    };
    if (this.rng.chance(0.3)) {
      const takerSide = this.rng.chance(0.5) ? 'buy' : 'sell';
      const price = takerSide === 'buy' ? this.bestAsk() : this.bestBid();
      const book = takerSide === 'buy' ? this.asks : this.bids;
      const avail = book.get(price)!;
      const size = Math.min(avail, this.rng.int(1, 2000));
      trades.push({ id: this.tradeId++, price, size, takerSide, ts: now });
      set(takerSide === 'buy' ? 'ask' : 'bid', price, avail - size);
      this.last = price;
      this.high = Math.max(this.high, price);
      this.low = Math.min(this.low, price);
      this.volume += size;
      this.quoteVolume += BigInt(size) * BigInt(price);
    }
    for (let n = this.rng.int(1, 3); n > 0; n--) {
      const side = this.rng.chance(0.5) ? 'bid' : 'ask';
      const best = side === 'bid' ? this.bestBid() : this.bestAsk();
      const behind = this.rng.int(0, LEVELS - 1);
      // trades and cancels move the tops apart: a wide spread fills in (one tick better), or the
      // two sides would drift apart for good (a long run at full speed took bids below zero)
      const improve = behind < 3 && this.bestAsk() - this.bestBid() > 2;
      const price = improve ? (side === 'bid' ? best + 1 : best - 1) : side === 'bid' ? best - behind : best + behind;
      set(side, price, improve ? this.size() : this.rng.chance(0.2) ? 0 : this.size());
    }
    // keep each side about LEVELS deep: its worst level goes when it has grown past twice that
    for (const side of ['bid', 'ask'] as const) {
      const m = side === 'bid' ? this.bids : this.asks;
      if (m.size > 2 * LEVELS) set(side, side === 'bid' ? Math.min(...m.keys()) : Math.max(...m.keys()), 0);
    }
    // keep both sides populated and uncrossed: refill an emptied top just behind the other side
    if (this.bids.size === 0) set('bid', this.bestAsk() - 1, this.size());
    if (this.asks.size === 0) set('ask', this.bestBid() + 1, this.size());
    this.mid = Math.round((this.bestBid() + this.bestAsk()) / 2);
    const firstUpdateId = this.updateId + 1;
    this.updateId += 1;
    return { symbol: this.spec.symbol, updateId: this.updateId, firstUpdateId, changes, trades, ts: now };
  }
}

/** A book as a client of a venue that keeps it at the subscribed depth sees it (Kraken, Bitfinex). */
export interface DepthView {
  bids: Map<number, number>;
  asks: Map<number, number>;
}

/**
 * The model's top `depth` levels as a client's view, and what changed since `before` (every level
 * when there was none): a level that left the view has size 0, one that entered or changed its size.
 */
export function viewChanges(m: SymbolModel, depth: number, before: DepthView | undefined): { now: DepthView; bids: [number, number][]; asks: [number, number][] } {
  const now: DepthView = { bids: new Map(m.levels('bid', depth)), asks: new Map(m.levels('ask', depth)) };
  const side = (name: 'bids' | 'asks') => {
    if (!before) return [...now[name]];
    const out: [number, number][] = [];
    for (const [p] of before[name]) if (!now[name].has(p)) out.push([p, 0]);
    for (const [p, q] of now[name]) if (before[name].get(p) !== q) out.push([p, q]);
    return out;
  };
  return { now, bids: side('bids'), asks: side('asks') };
}

/** Digits after the point of an increment ("0.001" → 3): what venues call price or lot decimals. */
export const decimalsOf = (increment: string): number => (increment.split('.')[1] ?? '').length;

/** Units of an increment as its decimal string: 6400012 with tick "0.01" → "64000.12". */
export function formatUnits(units: number | bigint, increment: string): string {
  const decimals = decimalsOf(increment);
  const step = BigInt(increment.replace('.', ''));
  const v = BigInt(units) * step;
  const s = (v < 0n ? -v : v).toString().padStart(decimals + 1, '0');
  return (v < 0n ? '-' : '') + (decimals ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}` : s);
}

/** The increment of a product of two amounts: "0.01" × "0.001" → "0.00001" (for quote volumes). */
export function productIncrement(a: string, b: string): string {
  const d = decimalsOf(a) + decimalsOf(b);
  const step = BigInt(a.replace('.', '')) * BigInt(b.replace('.', ''));
  return formatUnits(step, d ? `0.${'0'.repeat(d - 1)}1` : '1');
}

/** The symbols every venue stand-in lists (each venue its own seeded walk, so their books differ). */
export const VENUE_SYMBOLS: VenueSymbol[] = [
  { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.00001', midTicks: 6_400_000 },
  { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT', tickSize: '0.01', lotSize: '0.0001', midTicks: 340_000 },
  { symbol: 'SOL/USDT', base: 'SOL', quote: 'USDT', tickSize: '0.001', lotSize: '0.01', midTicks: 150_000 },
];

export function seededModels(seed: number, specs: VenueSymbol[] = VENUE_SYMBOLS): Map<string, SymbolModel> {
  const rng = new Random(seed);
  return new Map(specs.map((s) => [s.symbol, new SymbolModel(s, rng)]));
}

/** A symbol's amounts as the venue's decimal strings: prices, sizes, a step's changes and the book's levels per side. */
export function wireStrings(m: SymbolModel) {
  const { tickSize, lotSize } = m.spec;
  const px = (p: number) => formatUnits(p, tickSize);
  const qty = (q: number) => formatUnits(q, lotSize);
  return {
    px,
    qty,
    quoteVolume: () => formatUnits(m.quoteVolume, productIncrement(tickSize, lotSize)),
    changes: (step: ModelStep, side: 'bid' | 'ask') => step.changes.filter((c) => c.side === side).map((c) => [px(c.price), qty(c.size)]),
    levels: (side: 'bid' | 'ask', depth = Infinity) => m.levels(side, depth).map(([p, q]) => [px(p), qty(q)]),
  };
}
