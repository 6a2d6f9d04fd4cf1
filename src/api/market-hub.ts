// The hub between the market state and the clients (Centrifugo's hub): every ingest and pricing
// output becomes, per stream (channel + symbol), one message serialised once and published to
// the stream's topic; it also keeps what late and over-budget clients need: the latest value
// of every stream, recent trades, book streams with a short delta history.
import { candleView, tickerView } from '../domain/wire-views.js';
import type { BatchOutput, MarketState } from '../ingest/market-state.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import { BookStream } from './book-stream.js';
import { streamKey, type Channel } from './channels.js';
import { TradeStream, type TradeView } from './trade-stream.js';

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

type BookRequest = { symbol: string; group: number; seq: number | undefined; deliver: (msgs: string[], key: string) => void; at: number };

export class MarketHub {
  private readonly books = new Map<string, BookStream>();
  private readonly booksBySymbol = new Map<string, Set<BookStream>>();
  private readonly trades = new Map<string, TradeStream>();
  private readonly latest = new Map<string, Latest>();
  private readonly status = new Map<string, string>();
  private pendingBooks: BookRequest[] = [];
  private version = 0;
  private periodicDue = false;
  /** Messages published per stream since the last takeCounts(): the input of the budget check. */
  private counts = new Map<string, number>();

  constructor(
    private readonly state: MarketState,
    private readonly sink: Sink,
    /** Told how long each book subscription waited for its snapshot (md_snapshot_latency_ms). */
    private readonly onBookServed: (symbol: string, ms: number) => void = () => undefined,
  ) {}

  private publish(key: string, json: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.sink.publish(key, json);
  }

  takeCounts(): Map<string, number> {
    const c = this.counts;
    this.counts = new Map();
    return c;
  }

  /** Asks for a fresh snapshot on every book stream with the next output (every 30 s). */
  snapshotAllBooks(): void {
    this.periodicDue = true;
  }

  // ---- ingest ----

  onIngest(out: BatchOutput, state: MarketState): void {
    const now = Date.now();
    for (const [symbol, streams] of this.booksBySymbol) {
      const book = state.books.book(symbol);
      if (!book) continue;
      const snap = out.snapshots.get(symbol);
      const delta = out.deltas.get(symbol);
      const status = state.status(symbol) ?? 'resyncing';
      const statusChanged = this.status.get(symbol) !== status;
      this.status.set(symbol, status);
      for (const s of streams) {
        const key = streamKey('book', symbol, s.group);
        if (snap && snap.reason !== 'periodic') {
          // a resync or resume: the book jumped, so deltas before it lead nowhere (history dropped)
          this.publish(key, s.reset(book, snap.sequence, status, now, false));
          continue;
        }
        if (delta) {
          const json = s.delta(book, delta.sequence, delta, delta.timestamp, delta.sendTimeUs);
          if (json) this.publish(key, json);
        }
        if (snap || (this.periodicDue && status === 'in_sync')) {
          // periodic: the delta above is in the history, so merged catch-ups stay exact across it
          this.publish(key, s.reset(book, snap?.sequence ?? state.publishedSequence(symbol) ?? s.seq, status, now, true));
        } else if (!delta && statusChanged) {
          this.publish(streamKey('book', symbol, s.group), JSON.stringify({ type: 'book', action: 'status', symbol, prec: s.precString, seq: s.seq, status }));
        }
      }
    }
    this.periodicDue = false;

    if (out.trades.length) this.onTrades(out, state);
    for (const { symbol, candle } of [...out.candles, ...out.candleUpdates]) {
      const key = streamKey(`kline:${candle.interval}`, symbol);
      const inst = state.instrument(symbol);
      if (!inst) continue;
      const json = JSON.stringify({ type: 'kline', symbol, interval: candle.interval, data: candleView(inst, candle) });
      this.setLatest(key, json, candle.closed);
    }
    if (out.tickers.length) {
      const engineNow = state.aggregates.engineNow(now);
      for (const symbol of out.tickers) {
        const key = streamKey('ticker', symbol);
        const inst = state.instrument(symbol);
        const t = state.aggregates.ticker(symbol);
        if (!inst || !t || !this.sink.wanted(key)) continue;
        const view = tickerView(inst, t.stats(engineNow), state.books.book(symbol), state.openInterest.get(symbol) ?? null, engineNow);
        this.setLatest(key, JSON.stringify({ type: 'ticker', symbol, data: view }));
      }
    }
    this.servePendingBooks(state);
  }

  private onTrades(out: BatchOutput, state: MarketState): void {
    const bySymbol = new Map<string, { views: TradeView[]; sentUs: number }>();
    for (const t of out.trades) {
      const inst = state.instrument(t.symbol)!;
      let b = bySymbol.get(t.symbol);
      if (!b) bySymbol.set(t.symbol, (b = { views: [], sentUs: t.sendTimeUs }));
      b.views.push({
        id: t.trade.trade_id,
        price: inst.tick.format(inst.tick.toUnits(t.trade.price)),
        qty: inst.lot.format(inst.lot.toUnits(t.trade.quantity)),
        side: t.trade.taker_side,
        ts: t.timestamp,
        seq: t.sequence,
      });
    }
    for (const [symbol, b] of bySymbol) {
      const stream = this.tradeStream(symbol);
      stream.add(b.views, b.sentUs);
      const key = streamKey('trades', symbol);
      if (this.sink.wanted(key)) this.publish(key, stream.message(b.views, b.sentUs)); // serialised only when someone listens
    }
  }

  private tradeStream(symbol: string): TradeStream {
    let s = this.trades.get(symbol);
    if (!s) this.trades.set(symbol, (s = new TradeStream(symbol)));
    return s;
  }

  // ---- pricing ----

  onPricing(out: PricingOutput): void {
    for (const m of out.marks) this.setLatest(streamKey('mark', m.symbol), JSON.stringify({ type: 'mark', symbol: m.symbol, data: m }));
    for (const f of out.funding) this.setLatest(streamKey('funding', f.symbol), JSON.stringify({ type: 'funding', symbol: f.symbol, data: f }));
    for (const i of out.indices) this.setLatest(streamKey('index', i.index_symbol), JSON.stringify({ type: 'index', symbol: i.index_symbol, data: i }));
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

  /**
   * A book subscription: served with the next ingest output, when the books are exactly what has
   * been published: the deltas after `seq` when the history still has them, a snapshot otherwise.
   */
  requestBook(symbol: string, group: number, seq: number | undefined, deliver: (msgs: string[], key: string) => void): void {
    this.pendingBooks.push({ symbol, group, seq, deliver, at: performance.now() });
  }

  private servePendingBooks(state: MarketState): void {
    const pending = this.pendingBooks;
    this.pendingBooks = [];
    const now = Date.now();
    for (const r of pending) {
      const book = state.books.book(r.symbol);
      const inst = state.instrument(r.symbol);
      if (!book || !inst) continue;
      const key = streamKey('book', r.symbol, r.group);
      let s = this.books.get(key);
      const status = state.status(r.symbol) ?? 'resyncing';
      if (!s) {
        s = new BookStream(r.symbol, inst, r.group);
        this.books.set(key, s);
        let set = this.booksBySymbol.get(r.symbol);
        if (!set) this.booksBySymbol.set(r.symbol, (set = new Set()));
        set.add(s);
        this.status.set(r.symbol, status);
        s.reset(book, state.publishedSequence(r.symbol) ?? 0, status, now, false);
      }
      const missed = r.seq === undefined ? undefined : s.deltasSince(r.seq);
      r.deliver(missed ?? [s.snapshotJson(book, status, now)], key);
      this.onBookServed(r.symbol, performance.now() - r.at);
    }
  }

  /** Drops book streams nobody reads any more (their grouped state and history). */
  pruneBooks(): void {
    for (const [key, s] of this.books) {
      if (this.sink.wanted(key)) continue;
      this.books.delete(key);
      this.booksBySymbol.get(s.symbol)?.delete(s);
    }
  }

  /** Where a stream is now: the cursor a client switching to catch-up mode starts from. */
  cursor(key: string, channel: Channel, symbol: string): number {
    if (channel === 'book') return this.books.get(key)?.seq ?? -1;
    if (channel === 'trades') return this.trades.get(symbol)?.count ?? 0;
    return this.latest.get(key)?.version ?? 0;
  }

  /** What a client at `cursor` has missed, merged into as few messages as possible, and its new cursor. */
  catchUp(key: string, channel: Channel, symbol: string, cursor: number): { msgs: string[]; cursor: number } {
    if (channel === 'book') {
      const s = this.books.get(key);
      const book = this.state.books.book(symbol);
      if (!s || !book || s.seq === cursor) return { msgs: [], cursor };
      const merged = s.mergedSince(cursor);
      return { msgs: [merged ?? s.snapshotJson(book, this.status.get(symbol) ?? 'resyncing', Date.now())], cursor: s.seq };
    }
    if (channel === 'trades') {
      const s = this.trades.get(symbol);
      const msg = s?.since(cursor);
      return { msgs: msg ? [msg] : [], cursor: s?.count ?? cursor };
    }
    const l = this.latest.get(key);
    if (!l || l.version <= cursor) return { msgs: [], cursor };
    const msgs = l.closed && l.closed.version > cursor && l.closed.version !== l.version ? [l.closed.json, l.json] : [l.json];
    return { msgs, cursor: l.version };
  }
}
