// An edge's market, rebuilt from the md.* topics: every symbol's book from snapshots and deltas,
// verified by the chain (prev_sequence) and the top-25 checksum after every delta, plus the
// latest tickers and open candles. Pure: the follower feeds it decoded records, and each call
// returns the MarketOutput values to hand to the hub, the same values the core handed its own.
// A book that breaks its chain or fails its checksum is `resyncing` (nothing more is output for
// it) until a snapshot and the deltas after it rebuild it.
// Records written again (a core's retried transaction, a new owner replaying from its committed
// offsets: seen when the edge reads uncommitted records) change nothing: deltas and trades at or
// below what was served are dropped, a candle never goes back to fewer trades, and a book is not
// served from an older base until its deltas have carried it past what clients already have.
import type { MdCandle, MdDelta, MdSnapshot, MdTicker, MdTrade } from '../contract/md-wire.js';
import { INTERVAL_OF_AVRO } from '../contract/md-wire.js';
import { instrumentOfWire, type WireInstrument, type WireInstrumentStatus } from '../contract/engine-wire.js';
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import { Books, BookRejectedError } from '../domain/books.js';
import type { Interval } from '../domain/candle.js';
import type { Instrument } from '../domain/instrument.js';
import type { OrderBook } from '../domain/order-book.js';
import { tickerView, type CandleView, type TickerView } from '../domain/wire-views.js';
import { emptyMarketOutput, type BookDeltaValue, type MarketOutput } from '../market/market-output.js';
import type { BookStatus, MarketView } from '../market/market-view.js';

/** Why a book or record was not taken: a metric label and a log line each. */
export type EdgeProblem = 'chain_break' | 'checksum_mismatch' | 'bad_levels' | 'unknown_symbol' | 'bad_instrument' | 'behind' | 'missed_deltas';

export interface EdgeObserver {
  problem(symbol: string, cause: EdgeProblem, detail: string): void;
  /** A book is served again after a break (or for the first time). */
  synced(symbol: string): void;
}

interface EdgeBook {
  synced: boolean;
  halted: boolean;
  lastMessageAt: number;
  /** Deltas read while not in sync (the snapshot may come after them): replayed on the next snapshot. */
  pending: MdDelta[];
  /** The newest snapshot read (a base to rebuild from after a break). */
  lastSnapshot: MdSnapshot | undefined;
  /** Served up to here: a rebuild never goes back before it (a core that took over may start from an older book). */
  floor: number;
  /** The sequence of a periodic snapshot read ahead of the in-sync book, until the book reaches it. */
  ahead: number | undefined;
}

export interface EdgeMarketOptions {
  clock?: () => number;
  /** Reads an instrument record (an engine symbol's by default; a venue market passes its own). */
  instrumentOf?: (w: WireInstrument) => Instrument;
  /**
   * Trades carry their engine sequence: one at or below the last served is a record written again
   * (default). Venue trades are numbered by the publishing process, which starts again at 1.
   */
  tradesBySequence?: boolean;
}

/** Deltas kept per book while it waits for a snapshot (a busy book publishes ~100 a second). */
const PENDING_MAX = 5_000;

export class EdgeMarket implements MarketView {
  private readonly books = new Books();
  private readonly states = new Map<string, EdgeBook>();
  private readonly tickers = new Map<string, TickerView>();
  private readonly candles = new Map<string, CandleView>();
  /** The sequence of the last trade served per symbol. */
  private readonly lastTrade = new Map<string, number>();

  private readonly clock: () => number;
  private readonly instrumentOf: (w: WireInstrument) => Instrument;
  private readonly tradesBySequence: boolean;

  constructor(
    private readonly observer: EdgeObserver,
    /** A synced book without a message for this long is `stale` (its core is gone or stalled). */
    private readonly staleAfterMs: number,
    opts: EdgeMarketOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.instrumentOf = opts.instrumentOf ?? instrumentOfWire;
    this.tradesBySequence = opts.tradesBySequence ?? true;
  }

  // ---- MarketView ----

  instrument(symbol: string): Instrument | undefined {
    return this.books.instrument(symbol);
  }

  symbols(): string[] {
    return this.books.symbols();
  }

  book(symbol: string): OrderBook | undefined {
    return this.books.book(symbol);
  }

  status(symbol: string): BookStatus | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    if (s.halted) return 'halted';
    if (!s.synced) return 'resyncing';
    return this.clock() - s.lastMessageAt > this.staleAfterMs ? 'stale' : 'in_sync';
  }

  publishedSequence(symbol: string): number | undefined {
    return this.books.book(symbol)?.sequence;
  }

  ticker(symbol: string, now: number): TickerView | undefined {
    const inst = this.instrument(symbol);
    if (!inst) return undefined;
    const t = this.tickers.get(symbol);
    if (t) return t;
    const empty = { openTime: now - 86_400_000, closeTime: now, open: undefined, high: undefined, low: undefined, last: undefined, volume: 0, quoteVolume: 0n, count: 0 };
    return tickerView(inst, empty, this.book(symbol), null, now);
  }

  openCandle(symbol: string, interval: Interval): CandleView | undefined {
    return this.candles.get(`${symbol}|${interval}`);
  }

  // ---- md.* records ----

  onInstrument(w: WireInstrument): void {
    let inst: Instrument;
    try {
      inst = this.instrumentOf(w);
    } catch (err) {
      this.observer.problem(w.symbol, 'bad_instrument', (err as Error).message);
      return;
    }
    const prev = this.books.instrument(w.symbol);
    this.books.upsertInstrument(inst);
    let s = this.states.get(w.symbol);
    if (!s) this.states.set(w.symbol, (s = { synced: false, halted: false, lastMessageAt: 0, pending: [], lastSnapshot: undefined, floor: 0, ahead: undefined }));
    s.halted = inst.status === 'halted';
    // a new tick or lot size cleared the book: it waits for the core's next snapshot
    if (prev && (prev.tickSize !== inst.tickSize || prev.lotSize !== inst.lotSize)) s.synced = false;
  }

  onStatus(w: WireInstrumentStatus): void {
    const s = this.states.get(w.symbol);
    if (s) s.halted = w.status === 'halted';
  }

  onSnapshot(m: MdSnapshot): MarketOutput | undefined {
    const s = this.stateOf(m.symbol);
    if (!s) return undefined;
    s.lastMessageAt = this.clock();
    if (m.status === 'resyncing') {
      // the producer says the book broke: nothing of it is served until its next snapshot (the
      // hub tells clients by the status, as the producer's own clients are told)
      // deltas past it were produced after it (from the base that will follow): the deltas topic
      // may have been read ahead of the snapshots topic, so they are kept for that base
      s.synced = false;
      s.lastSnapshot = undefined;
      s.pending = s.pending.filter((d) => d.sequence > m.sequence);
      return { ...emptyMarketOutput(), breaks: [this.snapshotValue(m, this.books.book(m.symbol)!)] };
    }
    if (!s.lastSnapshot || m.sequence >= s.lastSnapshot.sequence) s.lastSnapshot = m;
    const book = this.books.book(m.symbol)!;
    if (s.synced && m.reason === 'periodic') {
      // a confirmation: the book at that sequence must be this one. One ahead waits for its
      // deltas, but not forever: if the book has not reached it by the next one, they were lost
      // (nothing else would show it once the symbol goes quiet) and the book is rebuilt from it
      if (m.sequence > book.sequence) {
        const lost = s.ahead !== undefined && book.sequence < s.ahead;
        s.ahead = m.sequence;
        if (!lost) return undefined;
        this.break(m.symbol, s, 'missed_deltas', `book at ${book.sequence} has not reached a snapshot at ${s.ahead} a period later`);
        return this.rebuild(m.symbol, s, 'resync');
      }
      if (m.sequence < book.sequence) return undefined;
      const inst = this.instrument(m.symbol)!;
      if (bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH) === m.checksum) return { ...emptyMarketOutput(), snapshots: [this.snapshotValue(m, book)] };
      this.observer.problem(m.symbol, 'checksum_mismatch', `periodic snapshot at ${m.sequence}: ${m.checksum} expected`);
    }
    if (s.synced && m.sequence < book.sequence) {
      // a new owner's book behind what clients already have (it replays from its committed
      // offsets): its deltas chain from this base, which is served once they pass the floor
      s.floor = book.sequence;
      s.lastSnapshot = m;
      this.break(m.symbol, s, 'behind', `snapshot at ${m.sequence} (${m.reason}) behind the book at ${book.sequence}`);
      return undefined;
    }
    return this.rebuild(m.symbol, s, m.reason === 'periodic' && !s.synced ? 'resync' : m.reason);
  }

  onDelta(m: MdDelta): MarketOutput | undefined {
    const s = this.stateOf(m.symbol);
    if (!s) return undefined;
    s.lastMessageAt = this.clock();
    const book = this.books.book(m.symbol)!;
    if (s.synced) {
      if (m.sequence <= book.sequence) return undefined; // read again (a rebalance of the core): already applied
      if (m.prev_sequence === book.sequence) {
        const value = this.apply(m.symbol, s, m);
        return value ? { ...emptyMarketOutput(), deltas: [value] } : undefined;
      }
      this.break(m.symbol, s, 'chain_break', `delta ${m.prev_sequence}→${m.sequence} on a book at ${book.sequence}`);
    }
    this.hold(s, m);
    const snap = s.lastSnapshot;
    // the first delta after the base (which may have been read already), or (a base older than what
    // was served) one that may carry it past that
    return snap && (m.prev_sequence === snap.sequence || (snap.sequence < s.floor && m.sequence >= s.floor)) ? this.rebuild(m.symbol, s, 'resync') : undefined;
  }

  onTrade(m: MdTrade): MarketOutput | undefined {
    const inst = this.instrument(m.symbol);
    if (!inst) return undefined;
    if (this.tradesBySequence && m.sequence <= (this.lastTrade.get(m.symbol) ?? -1)) return undefined; // written again: already served
    let price: string;
    let quantity: string;
    try {
      price = inst.tick.format(inst.tick.toUnits(m.price));
      quantity = inst.lot.format(inst.lot.toUnits(m.quantity));
    } catch (err) {
      this.observer.problem(m.symbol, 'bad_levels', `trade ${m.trade_id}: ${(err as Error).message}`);
      return undefined;
    }
    if (this.tradesBySequence) this.lastTrade.set(m.symbol, m.sequence);
    return { ...emptyMarketOutput(), trades: [{ ...m, price, quantity }] };
  }

  onCandle(m: MdCandle): MarketOutput | undefined {
    const interval = INTERVAL_OF_AVRO[m.interval];
    if (!interval || !this.instrument(m.symbol)) return undefined;
    const v: CandleView = { ...m, interval };
    const key = `${m.symbol}|${interval}`;
    const open = this.candles.get(key);
    if (open && open.open_time > v.open_time) return undefined; // an older candle read late
    if (open && open.open_time === v.open_time && open.trade_count > v.trade_count) return undefined; // an older state of it, written again
    if (v.closed) {
      if (open && open.open_time === v.open_time) this.candles.delete(key);
    } else this.candles.set(key, v);
    return { ...emptyMarketOutput(), candles: [v] };
  }

  onTicker(m: MdTicker): MarketOutput | undefined {
    if (!this.instrument(m.symbol)) return undefined;
    const prev = this.tickers.get(m.symbol);
    if (prev && prev.timestamp > m.timestamp) return undefined;
    this.tickers.set(m.symbol, m);
    return { ...emptyMarketOutput(), tickers: [m] };
  }

  // ---- books ----

  private stateOf(symbol: string): EdgeBook | undefined {
    const s = this.states.get(symbol);
    if (!s) this.observer.problem(symbol, 'unknown_symbol', 'no instrument for this symbol yet');
    return s;
  }

  private hold(s: EdgeBook, m: MdDelta): void {
    s.pending.push(m);
    if (s.pending.length > PENDING_MAX) s.pending.splice(0, s.pending.length - PENDING_MAX);
  }

  private break(symbol: string, s: EdgeBook, cause: EdgeProblem, detail: string): void {
    s.synced = false;
    this.observer.problem(symbol, cause, detail);
  }

  /**
   * The book from the newest snapshot, then every held delta that chains from it, each verified.
   * Output: that book whole (the hub's clients get a fresh base).
   */
  private rebuild(symbol: string, s: EdgeBook, reason: MdSnapshot['reason']): MarketOutput | undefined {
    const snap = s.lastSnapshot;
    if (!snap) return undefined;
    const held = s.pending.filter((d) => d.sequence > snap.sequence).sort((a, b) => a.sequence - b.sequence);
    if (snap.sequence < s.floor) {
      // a base older than what clients have: built only once its deltas chain past that (the live
      // book, which REST reads, is not taken back meanwhile)
      let head = snap.sequence;
      for (const d of held) if (d.prev_sequence === head) head = d.sequence;
      if (head < s.floor) return undefined;
    }
    const inst = this.instrument(symbol)!;
    const err = this.books.applySnapshot(symbol, snap.bids, snap.asks, snap.sequence);
    if (err) {
      s.lastSnapshot = undefined;
      this.break(symbol, s, 'bad_levels', `snapshot at ${snap.sequence}: ${err.message}`);
      return undefined;
    }
    const book = this.books.book(symbol)!;
    if (bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH) !== snap.checksum) {
      s.lastSnapshot = undefined;
      this.break(symbol, s, 'checksum_mismatch', `snapshot at ${snap.sequence}: ${snap.checksum} expected`);
      return undefined;
    }
    s.synced = snap.status !== 'resyncing';
    s.pending = [];
    s.ahead = undefined;
    for (const d of held) {
      if (!s.synced) break;
      if (d.prev_sequence !== book.sequence) {
        // the chain does not reach the head yet: keep what follows for the next attempt
        if (d.prev_sequence > book.sequence) s.pending.push(d);
        continue;
      }
      if (!this.apply(symbol, s, d)) return undefined; // broken again (counted): the next snapshot tries
    }
    if (s.pending.length) {
      // a hole between the snapshot and later deltas: wait for a newer snapshot
      s.synced = false;
      return undefined;
    }
    if (s.synced) this.observer.synced(symbol);
    return { ...emptyMarketOutput(), snapshots: [{ ...this.snapshotValue(snap, book), reason: reason === 'periodic' ? 'resync' : reason, sequence: book.sequence }] };
  }

  /** Applies a delta that chains; verifies the checksum after it. Undefined (and resyncing) when it fails. */
  private apply(symbol: string, s: EdgeBook, m: MdDelta): BookDeltaValue | undefined {
    const inst = this.instrument(symbol)!;
    const book = this.books.book(symbol)!;
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const err = this.books.applyDelta(symbol, m.bids, m.asks, m.sequence, (side, price, _before, after) => (side === 'bid' ? bids : asks).set(price, after));
    if (err instanceof BookRejectedError) {
      this.break(symbol, s, 'bad_levels', `delta at ${m.sequence}: ${err.message}`);
      return undefined;
    }
    const checksum = bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH);
    if (checksum !== m.checksum) {
      this.break(symbol, s, 'checksum_mismatch', `delta at ${m.sequence}: ${checksum}, expected ${m.checksum}`);
      return undefined;
    }
    return { symbol, prevSequence: m.prev_sequence, sequence: m.sequence, timestamp: m.timestamp, sendTimeUs: m.engine_send_time_us, bids, asks, checksum };
  }

  private snapshotValue(m: MdSnapshot, book: OrderBook) {
    const d = book.depth(Infinity);
    return { symbol: m.symbol, sequence: m.sequence, reason: m.reason, status: m.status, timestamp: m.timestamp, bids: d.bids, asks: d.asks, checksum: m.checksum };
  }
}

