// The hub between the market and the clients (Centrifugo's hub, fed by its broker: the output
// source, in-process or md.*): every market and pricing output becomes, per stream (channel +
// symbol), one message serialised once and published to the stream's topic; it also keeps what
// late and over-budget clients need: the latest value
// of every stream, recent trades, book streams with a short delta history.
import { frame, type BookStatus } from '../contract/ws-frames.js';
import type { BookDeltaValue, BookSnapshotValue, MarketOutput, TradeValue } from '../market/market-output.js';
import type { MarketView } from '../market/market-view.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import { BookStream } from './book-stream.js';
import { streamKey, type Channel } from './channels.js';
import type { LiquidationView, TradeView } from '../domain/wire-views.js';
import { EventStream, liquidationsMessage, tradesMessage, type EventMessage } from './event-stream.js';

/** Where messages go: the uWS app's publish, plus the SSE and conflated readers. */
export interface Sink {
  publish(key: string, json: string): void;
  /** Whether anyone reads the stream (so unread messages are not even built). */
  wanted(key: string): boolean;
}

interface Latest {
  version: number;
  json: string;
  /** kline streams: the last closed candle, so a catch-up never skips a close. */
  closed?: { version: number; json: string };
}

type BookRequest = {
  symbol: string;
  group: number;
  seq: number | undefined;
  deliver: (msgs: string[], key: string) => void;
  /** False once the subscriber is gone (a request waiting for a book that does not exist yet is then dropped). */
  alive: () => boolean;
  at: number;
};

export class MarketHub {
  private readonly books = new Map<string, BookStream>();
  private readonly booksBySymbol = new Map<string, Set<BookStream>>();
  private readonly trades = new Map<string, EventStream<TradeView>>();
  private readonly liquidations = new Map<string, EventStream<LiquidationView>>();
  private readonly latest = new Map<string, Latest>();
  private readonly status = new Map<string, BookStatus>();
  private pendingBooks: BookRequest[] = [];
  private version = 0;
  private periodicDue = false;
  private lastStatusScan = 0;
  /** Messages published per stream since the last takeCounts(): the input of the budget check. */
  private counts = new Map<string, number>();

  constructor(
    private readonly view: MarketView,
    private readonly sink: Sink,
    /** Told how long each book subscription waited for its snapshot (md_snapshot_latency_ms). */
    private readonly onBookServed: (symbol: string, ms: number) => void = () => undefined,
  ) {}

  private publish(key: string, json: string): void {
    this.count(key);
    this.sink.publish(key, json);
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  takeCounts(): Map<string, number> {
    const c = this.counts;
    this.counts = new Map();
    return c;
  }

  /** What the hub holds now, by structure (md_retained_items). */
  sizes(): Record<string, number> {
    let deltas = 0;
    for (const s of this.books.values()) deltas += s.historyLength;
    let trades = 0;
    for (const s of this.trades.values()) trades += s.held;
    let liquidations = 0;
    for (const s of this.liquidations.values()) liquidations += s.held;
    return { book_streams: this.books.size, book_history_deltas: deltas, trade_history: trades, liquidation_history: liquidations, latest_values: this.latest.size, pending_book_requests: this.pendingBooks.length };
  }

  /** Asks for a fresh snapshot on every book stream with the next output (every 30 s). */
  snapshotAllBooks(): void {
    this.periodicDue = true;
  }

  // ---- market outputs ----

  /**
   * One take of market outputs (in-process from the ingest, or rebuilt from md.* on an edge). The
   * view's books are exactly as these outputs leave them. Every symbol keeps its raw book stream
   * and delta history whether anyone reads it or not, so a client resumes with `seq` within the
   * window even when nobody else was reading.
   */
  onOutput(out: MarketOutput): void {
    const now = Date.now();
    // per symbol the delta first, then a snapshot of the same take (a periodic one follows its delta)
    const done = new Set<string>();
    const snaps = new Map<string, BookSnapshotValue>();
    for (const snap of out.snapshots) snaps.set(snap.symbol, snap);
    for (const delta of out.deltas) {
      done.add(delta.symbol);
      this.onBook(delta.symbol, delta, snaps.get(delta.symbol), now);
    }
    for (const snap of out.snapshots) if (!done.has(snap.symbol)) this.onBook(snap.symbol, undefined, snap, now);
    if (this.periodicDue) for (const symbol of this.booksBySymbol.keys()) if (!done.has(symbol) && !snaps.has(symbol)) this.onBook(symbol, undefined, undefined, now);
    this.periodicDue = false;
    // a book that broke is told at once (it may be rebuilt before the next scan)
    for (const b of out.breaks ?? []) this.tellStatus(b.symbol);
    if (now - this.lastStatusScan >= 100) {
      // a status can change without a book message (a halt): told to every stream's readers
      this.lastStatusScan = now;
      for (const symbol of this.booksBySymbol.keys()) this.tellStatus(symbol);
    }

    if (out.trades.length) this.onTrades(out.trades);
    for (const l of out.liquidations ?? []) this.onEvents(this.liquidations, 'liquidations', l.symbol, l.data, l.sentUs, liquidationsMessage);
    for (const c of out.candles) this.setLatest(streamKey(`kline:${c.interval}`, c.symbol), frame({ type: 'kline', symbol: c.symbol, interval: c.interval, data: c }), c.closed);
    for (const t of out.tickers) {
      const key = streamKey('ticker', t.symbol);
      if (this.sink.wanted(key)) this.setLatest(key, frame({ type: 'ticker', symbol: t.symbol, data: t }));
    }
    this.servePendingBooks();
  }

  /** The book's status to its streams' readers, when it changed. */
  private tellStatus(symbol: string): void {
    const streams = this.booksBySymbol.get(symbol);
    const status = this.view.status(symbol) ?? 'resyncing';
    if (!streams || this.status.get(symbol) === status) return;
    this.status.set(symbol, status);
    for (const s of streams) this.publish(streamKey('book', symbol, s.group), frame({ type: 'book', action: 'status', symbol, prec: s.precString, seq: s.seq, status }));
  }

  private onBook(symbol: string, delta: BookDeltaValue | undefined, snap: BookSnapshotValue | undefined, now: number): void {
    const book = this.view.book(symbol);
    if (!book) return;
    const status = this.view.status(symbol) ?? 'resyncing';
    this.status.set(symbol, status);
    const streams = this.booksBySymbol.get(symbol);
    if (!streams) {
      // the first output of a symbol: its raw stream starts here, from the book as published
      this.openStream(symbol, 1, status, now);
      return;
    }
    for (const s of streams) {
      const key = streamKey('book', symbol, s.group);
      if (snap && snap.reason !== 'periodic') {
        // a resync or resume: the book jumped, so deltas before it lead nowhere (history dropped)
        if (this.sink.wanted(key)) this.publish(key, s.reset(book, snap.sequence, status, now, false));
        else s.rebase(book, snap.sequence, false); // full-book JSON only for streams someone reads
        continue;
      }
      if (delta) {
        const d = s.delta(book, delta.sequence, delta, delta.timestamp, delta.sendTimeUs);
        if (d && this.sink.wanted(key)) this.publish(key, s.json(d));
        else if (d) this.count(key);
      }
      if (snap || (this.periodicDue && status === 'in_sync')) {
        // periodic: the delta is in the history, so merged catch-ups stay exact across it
        const seq = snap?.sequence ?? this.view.publishedSequence(symbol) ?? s.seq;
        if (this.sink.wanted(key)) this.publish(key, s.reset(book, seq, status, now, true));
        else s.rebase(book, seq, true);
      }
    }
  }

  private openStream(symbol: string, group: number, status: BookStatus, now: number): BookStream | undefined {
    const inst = this.view.instrument(symbol);
    const book = this.view.book(symbol);
    if (!inst || !book) return undefined;
    const s = new BookStream(symbol, inst, group);
    this.books.set(streamKey('book', symbol, group), s);
    let set = this.booksBySymbol.get(symbol);
    if (!set) this.booksBySymbol.set(symbol, (set = new Set()));
    set.add(s);
    s.rebase(book, this.view.publishedSequence(symbol) ?? 0, false);
    return s;
  }

  private onTrades(trades: TradeValue[]): void {
    const bySymbol = new Map<string, { views: TradeView[]; sentUs: number }>();
    for (const t of trades) {
      let b = bySymbol.get(t.symbol);
      if (!b) bySymbol.set(t.symbol, (b = { views: [], sentUs: t.engine_send_time_us }));
      b.views.push({ id: t.trade_id, price: t.price, qty: t.quantity, side: t.taker_side, ts: t.timestamp, seq: t.sequence });
    }
    for (const [symbol, b] of bySymbol) this.onEvents(this.trades, 'trades', symbol, b.views, b.sentUs, tradesMessage);
  }

  private onEvents<T>(streams: Map<string, EventStream<T>>, channel: 'trades' | 'liquidations', symbol: string, events: T[], sentUs: number, build: EventMessage<T>): void {
    let stream = streams.get(symbol);
    if (!stream) streams.set(symbol, (stream = new EventStream(symbol, build)));
    stream.add(events, sentUs);
    const key = streamKey(channel, symbol);
    if (this.sink.wanted(key)) this.publish(key, stream.message(events, sentUs)); // serialised only when someone listens
  }

  private events(channel: Channel): ReadonlyMap<string, { readonly count: number; since(cursor: number): string | undefined }> | undefined {
    return channel === 'trades' ? this.trades : channel === 'liquidations' ? this.liquidations : undefined;
  }

  /** Trades known from before this process served (an edge reads the recent tail of md.trades). */
  seedTrades(trades: TradeValue[]): void {
    this.onTrades(trades);
  }

  // ---- pricing ----

  onPricing(out: PricingOutput): void {
    for (const m of out.marks) this.setLatest(streamKey('mark', m.symbol), frame({ type: 'mark', symbol: m.symbol, data: m }));
    for (const f of out.funding) this.setLatest(streamKey('funding', f.symbol), frame({ type: 'funding', symbol: f.symbol, data: f }));
    for (const i of out.indices) this.setLatest(streamKey('index', i.index_symbol), frame({ type: 'index', symbol: i.index_symbol, data: i }));
  }

  private setLatest(key: string, json: string, closed = false): void {
    const version = ++this.version;
    const l = this.latest.get(key);
    if (l) {
      l.version = version;
      l.json = json;
      if (closed) l.closed = { version, json };
    } else this.latest.set(key, { version, json, closed: closed ? { version, json } : undefined });
    this.publish(key, json);
  }

  // ---- what clients read ----

  /** The latest message of a value stream (ticker, kline, mark, index, funding). */
  latestMessage(key: string): string | undefined {
    return this.latest.get(key)?.json;
  }

  recentTrades(symbol: string, limit: number): TradeView[] {
    return this.trades.get(symbol)?.recent(limit) ?? [];
  }

  recentLiquidations(symbol: string, limit: number): LiquidationView[] {
    return this.liquidations.get(symbol)?.recent(limit) ?? [];
  }

  /**
   * A book subscription: served with the next ingest output, when the books are exactly what has
   * been published: the deltas after `seq` when the history still has them, a snapshot otherwise;
   * a symbol with no book yet is served with the first output that has one.
   */
  requestBook(symbol: string, group: number, seq: number | undefined, deliver: (msgs: string[], key: string) => void, alive: () => boolean): void {
    this.pendingBooks.push({ symbol, group, seq, deliver, alive, at: performance.now() });
  }

  private servePendingBooks(): void {
    const pending = this.pendingBooks;
    this.pendingBooks = [];
    const now = Date.now();
    for (const r of pending) {
      if (!r.alive()) continue;
      const status = this.view.status(r.symbol) ?? 'resyncing';
      const key = streamKey('book', r.symbol, r.group);
      const s = this.books.get(key) ?? this.openStream(r.symbol, r.group, status, now);
      const book = this.view.book(r.symbol);
      if (!s || !book) {
        // a symbol known without a book yet (a venue stream connecting, an engine symbol before its
        // first snapshot): the request waits for the book, as long as its subscriber does
        if (this.view.instrument(r.symbol)) this.pendingBooks.push(r);
        continue;
      }
      const missed = r.seq === undefined ? undefined : s.deltasSince(r.seq);
      r.deliver(missed ?? [s.snapshotJson(book, status, now)], key);
      this.onBookServed(r.symbol, performance.now() - r.at);
    }
  }

  /** A symbol is gone (a venue stream removed): every stream state of it is dropped. */
  forget(symbol: string): void {
    for (const s of this.booksBySymbol.get(symbol) ?? []) this.books.delete(streamKey('book', symbol, s.group));
    this.booksBySymbol.delete(symbol);
    this.trades.delete(symbol);
    this.liquidations.delete(symbol);
    this.status.delete(symbol);
    for (const key of this.latest.keys()) if (key.endsWith(`|${symbol}`)) this.latest.delete(key); // every value stream key is `channel|symbol`
  }

  /** Drops book streams nobody reads any more (their grouped state and history). */
  pruneBooks(): void {
    for (const [key, s] of this.books) {
      if (s.group === 1 || this.sink.wanted(key)) continue; // raw streams stay: their history serves resumes
      this.books.delete(key);
      this.booksBySymbol.get(s.symbol)?.delete(s);
    }
  }

  /** Where a stream is now: the cursor a client switching to catch-up mode starts from. */
  cursor(key: string, channel: Channel, symbol: string): number {
    if (channel === 'book') return this.books.get(key)?.seq ?? -1;
    const events = this.events(channel);
    if (events) return events.get(symbol)?.count ?? 0;
    return this.latest.get(key)?.version ?? 0;
  }

  /** What a client at `cursor` has missed, merged into as few messages as possible, and its new cursor. */
  catchUp(key: string, channel: Channel, symbol: string, cursor: number): { msgs: string[]; cursor: number } {
    if (channel === 'book') {
      const s = this.books.get(key);
      const book = this.view.book(symbol);
      if (!s || !book || s.seq === cursor) return { msgs: [], cursor };
      const merged = s.mergedSince(cursor);
      return { msgs: [merged ?? s.snapshotJson(book, this.status.get(symbol) ?? 'resyncing', Date.now())], cursor: s.seq };
    }
    const events = this.events(channel);
    if (events) {
      const s = events.get(symbol);
      const msg = s?.since(cursor);
      return { msgs: msg ? [msg] : [], cursor: s?.count ?? cursor };
    }
    const l = this.latest.get(key);
    if (!l || l.version <= cursor) return { msgs: [], cursor };
    const msgs = l.closed && l.closed.version > cursor && l.closed.version !== l.version ? [l.closed.json, l.json] : [l.json];
    return { msgs, cursor: l.version };
  }
}
