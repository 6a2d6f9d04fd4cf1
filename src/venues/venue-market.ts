// The outside venues' market, as the API reads it (a MarketView of venue symbols) and as the hub
// is fed (MarketOutput values): books, trades and tickers normalized from ccxt into exact
// decimals. A venue symbol exists while a stream of it runs; its state is dropped with the last.
import type { Interval } from '../domain/candle.js';
import type { Instrument } from '../domain/instrument.js';
import type { OrderBook } from '../domain/order-book.js';
import type { CandleView, LiquidationView, TickerView } from '../domain/wire-views.js';
import { emptyMarketOutput, type BookSnapshotValue, type MarketOutput, type TradeValue } from '../market/market-output.js';
import type { BookStatus, MarketView } from '../market/market-view.js';
import { formatScaled, type Increment } from '../domain/decimal.js';
import { decimalOf, plainDecimal, unitsOf, VenueValueError } from './exact.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import type { VenueFunding, VenueKind, VenueLiquidation } from './venue.js';
import { VenueBook, type CcxtLevels } from './venue-book.js';
import { venuePricing } from './venue-pricing.js';

/** The fields of a ccxt trade this service takes. */
export interface CcxtTrade {
  id?: string;
  timestamp?: number;
  price?: number;
  amount?: number;
  side?: string;
}

/** The fields of a ccxt ticker this service takes. */
export interface CcxtTicker {
  timestamp?: number;
  open?: number;
  high?: number;
  low?: number;
  last?: number;
  change?: number;
  percentage?: number;
  baseVolume?: number;
  /** A string where the adapter computed it exactly from the venue's own fields (Adapter.tickerExact). */
  quoteVolume?: number | string;
  bid?: number;
  bidVolume?: number;
  ask?: number;
  askVolume?: number;
}

interface VenueSymbolState {
  instrument: Instrument;
  book: VenueBook | undefined;
  /** The stream of this symbol is in trouble (reconnecting, stalled): its book is not served as live. */
  stalled: boolean;
  tradeSeq: number;
  liquidationSeq: number;
  /** Trade ids already published (ccxt can hand a trade over twice across a reconnect). */
  seenTrades: Set<string>;
  ticker: TickerView | undefined;
  /** Receive times of the last ticker and book update (the index takes only fresh quotes). */
  tickerAt: number;
  bookAt: number;
  /** The latest mark, index and funding of a perpetual with a funding stream. */
  prices: PricingOutput | undefined;
  users: number;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

const SEEN_TRADES = 2000;

export class VenueMarket implements MarketView {
  private readonly states = new Map<string, VenueSymbolState>();
  private readonly pricingListeners: ((out: PricingOutput) => void)[] = [];

  /** A stream of `symbol` starts (the instrument from its venue's market); counted, so the last one to stop frees it. */
  open(symbol: string, instrument: Instrument): void {
    const s = this.states.get(symbol);
    if (s) s.users++;
    else this.states.set(symbol, { instrument, book: undefined, stalled: false, tradeSeq: 0, liquidationSeq: 0, seenTrades: new Set(), ticker: undefined, tickerAt: 0, bookAt: 0, prices: undefined, users: 1 });
  }

  /** A stream of `symbol` stopped; true when that was the last (the symbol is gone). */
  close(symbol: string, kind: VenueKind): boolean {
    const s = this.states.get(symbol);
    if (!s) return false;
    if (kind === 'book') s.book = undefined;
    if (kind === 'ticker') s.ticker = undefined;
    if (kind === 'funding') s.prices = undefined;
    if (--s.users > 0) return false;
    this.states.delete(symbol);
    return true;
  }

  // ---- MarketView ----

  instrument(symbol: string): Instrument | undefined {
    return this.states.get(symbol)?.instrument;
  }

  symbols(): string[] {
    return [...this.states.keys()];
  }

  book(symbol: string): OrderBook | undefined {
    return this.states.get(symbol)?.book?.book;
  }

  status(symbol: string): BookStatus | undefined {
    const s = this.states.get(symbol);
    if (!s?.book) return undefined;
    if (!s.book.synced) return 'resyncing';
    return s.stalled ? 'stale' : 'in_sync';
  }

  /** The book as a whole (for periodic snapshots), when it is in sync. */
  snapshot(symbol: string, now: number): BookSnapshotValue | undefined {
    const b = this.states.get(symbol)?.book;
    return b?.synced ? b.snapshot('periodic', now) : undefined;
  }

  publishedSequence(symbol: string): number | undefined {
    return this.book(symbol)?.sequence;
  }

  ticker(symbol: string): TickerView | undefined {
    return this.states.get(symbol)?.ticker;
  }

  openCandle(_symbol: string, _interval: Interval): CandleView | undefined {
    return undefined;
  }

  /**
   * A live spot price for the index: the ticker's last trade price, else the mid of an in-sync
   * book (exact: half a tick written out), if updated within `maxAgeMs`.
   */
  liveQuote(symbol: string, maxAgeMs: number, now: number): string | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    if (s.ticker?.last && now - s.tickerAt <= maxAgeMs) return s.ticker.last;
    const book = s.book;
    const two = book?.synced && now - s.bookAt <= maxAgeMs ? book.book.midTimesTwo() : undefined;
    if (two === undefined) return undefined;
    const tick = s.instrument.tick;
    if (two % 2 === 0) return tick.format(two / 2);
    // an odd sum: the mid is half a tick off the grid, one more decimal written out exactly
    const units = BigInt(two) * BigInt(tick.step) * 5n;
    return formatScaled(units, tick.decimals + 1);
  }

  // ---- from the venue streams ----

  /** The book depth a stream serves (a PATCH can change it: the next update is a fresh snapshot). */
  setDepth(symbol: string, depth: number): void {
    const b = this.states.get(symbol)?.book;
    if (b && b.depth !== depth) {
      b.depth = depth;
      b.breakSync();
    }
  }

  onBook(symbol: string, depth: number, bids: CcxtLevels, asks: CcxtLevels, timestamp: number, receivedAt = Date.now()): MarketOutput | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    s.stalled = false;
    s.book ??= new VenueBook(symbol, s.instrument, depth);
    let step;
    try {
      step = s.book.update(bids, asks, timestamp, receivedAt);
    } catch (err) {
      s.book.breakSync();
      throw err;
    }
    s.bookAt = receivedAt;
    if (!step.snapshot && !step.delta) return undefined;
    return { ...emptyMarketOutput(), deltas: step.delta ? [step.delta] : [], snapshots: step.snapshot ? [step.snapshot] : [] };
  }

  /** The book cannot be trusted until rebuilt (a failed check, a gap, a reconnect): the output tells readers so, once per break. */
  breakBook(symbol: string, now = Date.now()): MarketOutput {
    const book = this.states.get(symbol)?.book;
    book?.breakSync();
    const told = book?.announceBreak(now);
    return told ? { ...emptyMarketOutput(), breaks: [told] } : emptyMarketOutput();
  }

  /** The stream is silent or reconnecting: its book is served as `stale` until it speaks again. */
  setStalled(symbol: string, stalled: boolean): void {
    const s = this.states.get(symbol);
    if (s) s.stalled = stalled;
  }

  /** New trades (ccxt hands over those since the last call); a trade seen before is skipped. Throws on a malformed one, publishing none. */
  onTrades(symbol: string, trades: readonly CcxtTrade[], receivedAt: number): MarketOutput | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    const inst = s.instrument;
    const fresh = trades.filter((t) => !s.seenTrades.has(String(t.id)));
    const values: TradeValue[] = fresh.map((t) => {
      if (t.id === undefined || typeof t.timestamp !== 'number' || (t.side !== 'buy' && t.side !== 'sell')) throw new VenueValueError(`trade without id, time or side: ${JSON.stringify(t).slice(0, 200)}`);
      const price = inst.tick.format(unitsOf(t.price as number, inst.tick));
      const quantity = inst.lot.format(unitsOf(t.amount as number, inst.lot));
      return { symbol, trade_id: String(t.id), sequence: 0, price, quantity, taker_side: t.side, maker_order_id: '', taker_order_id: '', timestamp: t.timestamp, engine_send_time_us: receivedAt * 1000 };
    });
    for (const v of values) {
      v.sequence = ++s.tradeSeq;
      s.seenTrades.add(v.trade_id);
    }
    if (s.seenTrades.size > SEEN_TRADES) s.seenTrades = new Set([...s.seenTrades].slice(-SEEN_TRADES / 2));
    return values.length ? { ...emptyMarketOutput(), trades: values } : undefined;
  }

  onTicker(symbol: string, t: CcxtTicker, receivedAt: number): MarketOutput | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    const inst = s.instrument;
    const price = (n: number | undefined) => (n === undefined || n === null ? null : inst.tick.format(unitsOf(n, inst.tick)));
    const amount = (n: number | string | undefined) => (n === undefined || n === null ? null : typeof n === 'string' ? plainDecimal(n) : decimalOf(n));
    const ts = t.timestamp ?? receivedAt;
    const view: TickerView = {
      symbol,
      timestamp: ts,
      open_time: ts - 86_400_000,
      close_time: ts,
      open: price(t.open),
      high: price(t.high),
      low: price(t.low),
      last: price(t.last),
      price_change: amount(t.change),
      price_change_percent: amount(t.percentage),
      volume: amount(t.baseVolume) ?? '0',
      quote_volume: amount(t.quoteVolume) ?? '0',
      trade_count: 0,
      best_bid: price(t.bid),
      best_bid_qty: amount(t.bidVolume),
      best_ask: price(t.ask),
      best_ask_qty: amount(t.askVolume),
      open_interest: null,
    };
    s.ticker = view;
    s.tickerAt = receivedAt;
    return { ...emptyMarketOutput(), tickers: [view] };
  }

  // ---- perpetuals: mark, index and funding ----

  onPricing(listener: (out: PricingOutput) => void): void {
    this.pricingListeners.push(listener);
  }

  /** The latest mark, index and funding of every venue perpetual with a funding stream. */
  pricing(): PricingOutput {
    const out: PricingOutput = { indices: [], marks: [], funding: [] };
    for (const s of this.states.values()) {
      if (!s.prices) continue;
      out.indices.push(...s.prices.indices);
      out.marks.push(...s.prices.marks);
      out.funding.push(...s.prices.funding);
    }
    return out;
  }

  /** Liquidations of a perpetual: price on the tick, quantity on the lot, the average fill price a decimal. */
  onLiquidations(symbol: string, list: readonly VenueLiquidation[], receivedAt: number): MarketOutput | undefined {
    const s = this.states.get(symbol);
    if (!s?.instrument.perpetual || !list.length) return undefined;
    const inst = s.instrument;
    const decimal = (v: string, what: string) => {
      if (typeof v !== 'string' || !DECIMAL.test(v) || v.startsWith('-')) throw new VenueValueError(`liquidation ${what} ${JSON.stringify(v)} is not a decimal`);
      return v;
    };
    const exact = (inc: Increment, v: string, what: string) => {
      decimal(v, what);
      try {
        return inc.format(inc.toUnits(v));
      } catch (err) {
        throw new VenueValueError(`liquidation ${what} ${v}: ${(err as Error).message}`);
      }
    };
    const data: LiquidationView[] = list.map((l) => {
      if ((l.side !== 'buy' && l.side !== 'sell') || !Number.isSafeInteger(l.timestamp)) throw new VenueValueError(`liquidation without side or time: ${JSON.stringify(l).slice(0, 200)}`);
      return { side: l.side, price: exact(inst.tick, l.price, 'price'), avg_price: l.avgPrice === undefined ? null : decimal(l.avgPrice, 'average price'), qty: exact(inst.lot, l.quantity, 'quantity'), ts: l.timestamp, seq: 0 };
    });
    for (const d of data) d.seq = ++s.liquidationSeq;
    return { ...emptyMarketOutput(), liquidations: [{ symbol, data, sentUs: receivedAt * 1000 }] };
  }

  /** A funding update of a venue perpetual, kept in the venue's decimals; refused (VenueValueError) when a value is not one. */
  onFunding(symbol: string, f: VenueFunding, receivedAt: number): void {
    const s = this.states.get(symbol);
    const terms = s?.instrument.perpetual;
    if (!s || !terms) return;
    for (const [name, v] of [['mark price', f.markPrice], ['index price', f.indexPrice], ['funding rate', f.fundingRate]] as const) {
      if (typeof v !== 'string' || !DECIMAL.test(v) || (name !== 'funding rate' && v.startsWith('-'))) throw new VenueValueError(`${name} ${JSON.stringify(v)} is not a decimal`);
    }
    if (!Number.isSafeInteger(f.nextFundingTime) || !Number.isSafeInteger(f.timestamp)) throw new VenueValueError(`funding times ${f.nextFundingTime}, ${f.timestamp} are not times`);
    s.prices = venuePricing(symbol, terms, f, receivedAt);
    for (const l of this.pricingListeners) l(s.prices);
  }
}
