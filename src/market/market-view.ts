// What the client-facing API reads (WebSocket hub, REST, SSE, gRPC): a read-only market. A core
// or `all` process reads its ingest state through it; an edge reads the market it rebuilt from
// md.* topics. Nothing behind this interface is written by the API.
import type { Interval } from '../domain/candle.js';
import type { Instrument } from '../domain/instrument.js';
import type { OrderBook } from '../domain/order-book.js';
import type { CandleView, TickerView } from '../domain/wire-views.js';
import type { BookStatus } from '../contract/ws-frames.js';

/** What a client of a book is told: in sync, resyncing (no book to trust), halted, or stale (its producer is silent). */
export type { BookStatus };

export interface MarketView {
  instrument(symbol: string): Instrument | undefined;
  symbols(): string[];
  /** The book as last published (every delta and snapshot handed to the API so far applied). */
  book(symbol: string): OrderBook | undefined;
  status(symbol: string): BookStatus | undefined;
  /** Sequence of the book as last published: the base the next delta chains from. */
  publishedSequence(symbol: string): number | undefined;
  /** The 24h ticker as of `now` (wall clock), undefined for an unknown symbol. */
  ticker(symbol: string, now: number): TickerView | undefined;
  /** The candle in progress of one interval, if any. */
  openCandle(symbol: string, interval: Interval): CandleView | undefined;
}
