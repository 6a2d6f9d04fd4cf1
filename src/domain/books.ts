import { DecimalError, type DecimalRejection } from './decimal.js';
import { levelStrings, type Instrument } from './instrument.js';
import { OrderBook, type Level, type Side } from './order-book.js';

/** Told of each level a delta changed: its price and size (ticks, lots) before and after. */
export type LevelObserver = (side: Side, price: number, before: number, after: number) => void;

/** A level as it travels on the wire: decimal strings; quantity 0 removes the level. */
export interface WireLevel {
  price: string;
  quantity: string;
}

/** Why a delta or snapshot was refused. Callers count these (a metric label) and move on. */
export type BookRejection =
  | 'unknown_symbol'
  | `price_${DecimalRejection}`
  | `quantity_${DecimalRejection}`
  | 'zero_price';

export class BookRejectedError extends Error {
  constructor(
    readonly reason: BookRejection,
    message: string,
  ) {
    super(message);
    this.name = 'BookRejectedError';
  }
}

function toLevels(inst: Instrument, levels: readonly WireLevel[]): Level[] | BookRejectedError {
  const out: Level[] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    let price: number;
    let size: number;
    try {
      price = inst.tick.toUnits(l.price);
    } catch (err) {
      const e = err as DecimalError;
      return new BookRejectedError(`price_${e.reason}`, `${inst.symbol}: price ${e.message}`);
    }
    if (price === 0) return new BookRejectedError('zero_price', `${inst.symbol}: price 0`);
    try {
      size = inst.lot.toUnits(l.quantity);
    } catch (err) {
      const e = err as DecimalError;
      return new BookRejectedError(`quantity_${e.reason}`, `${inst.symbol}: quantity ${e.message}`);
    }
    out[i] = [price, size];
  }
  return out;
}

/**
 * Every instrument's book. Deltas and snapshots arrive as wire decimals; each is validated in
 * full before anything is applied, so a rejected one changes nothing.
 */
export class Books {
  private readonly instruments = new Map<string, Instrument>();
  private readonly books = new Map<string, OrderBook>();

  upsertInstrument(inst: Instrument): void {
    const prev = this.instruments.get(inst.symbol);
    this.instruments.set(inst.symbol, inst);
    // A changed tick or lot size changes what every stored number means: start the book again.
    if (prev && (prev.tickSize !== inst.tickSize || prev.lotSize !== inst.lotSize)) this.books.get(inst.symbol)?.clear();
    if (!this.books.has(inst.symbol)) this.books.set(inst.symbol, new OrderBook());
  }

  instrument(symbol: string): Instrument | undefined {
    return this.instruments.get(symbol);
  }

  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol);
  }

  symbols(): string[] {
    return [...this.instruments.keys()];
  }

  /**
   * Applies level updates atomically; returns the rejection instead of throwing (hot path).
   * `onLevel` sees every change with the size the level had before (for undo logs and outputs).
   */
  applyDelta(
    symbol: string,
    bids: readonly WireLevel[],
    asks: readonly WireLevel[],
    sequence: number,
    onLevel?: LevelObserver,
  ): BookRejectedError | undefined {
    const v = this.validate(symbol, bids, asks);
    if (v instanceof BookRejectedError) return v;
    const { book, b, a } = v;
    if (onLevel) {
      for (const [p, s] of b) onLevel('bid', p, book.bids.set(p, s), s);
      for (const [p, s] of a) onLevel('ask', p, book.asks.set(p, s), s);
    } else {
      for (const [p, s] of b) book.bids.set(p, s);
      for (const [p, s] of a) book.asks.set(p, s);
    }
    book.sequence = sequence;
    return undefined;
  }

  /** Replaces a book from a full snapshot, validated first. */
  applySnapshot(symbol: string, bids: readonly WireLevel[], asks: readonly WireLevel[], sequence: number): BookRejectedError | undefined {
    const v = this.validate(symbol, bids, asks);
    if (v instanceof BookRejectedError) return v;
    v.book.replace(v.b, v.a, sequence);
    return undefined;
  }

  /** Every level of both sides in ticks and lots, or the first reason one is refused. */
  private validate(symbol: string, bids: readonly WireLevel[], asks: readonly WireLevel[]): BookRejectedError | { book: OrderBook; b: Level[]; a: Level[] } {
    const inst = this.instruments.get(symbol);
    const book = this.books.get(symbol);
    if (!inst || !book) return new BookRejectedError('unknown_symbol', `unknown symbol ${JSON.stringify(symbol)}`);
    const b = toLevels(inst, bids);
    if (b instanceof BookRejectedError) return b;
    const a = toLevels(inst, asks);
    if (a instanceof BookRejectedError) return a;
    return { book, b, a };
  }

  /** The book as wire decimals, top `n` levels per side. */
  wireDepth(symbol: string, n: number): { bids: [string, string][]; asks: [string, string][]; sequence: number } | undefined {
    const inst = this.instruments.get(symbol);
    const book = this.books.get(symbol);
    if (!inst || !book) return undefined;
    const d = book.depth(n);
    return { bids: levelStrings(inst, d.bids), asks: levelStrings(inst, d.asks), sequence: book.sequence };
  }
}
