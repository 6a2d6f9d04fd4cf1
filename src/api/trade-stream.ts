// The trades of one symbol: the last few thousand kept in memory, in engine order, for
// /v1/trades, for messages to over-budget clients (every trade since their cursor, merged into
// one message) and for clients that fall behind briefly. Pure.

import { frame } from '../contract/ws-frames.js';
import type { TradeView } from '../domain/wire-views.js';

export type { TradeView };

const KEEP = 5_000;

export class TradeStream {
  /** Trades published so far on this stream: a cursor for merged catch-ups. */
  count = 0;
  private readonly recentTrades: TradeView[] = [];
  /** Engine send time of the latest batch (µs). */
  private lastSentUs = 0;

  constructor(readonly symbol: string) {}

  /** Adds a batch (engine order). */
  add(trades: TradeView[], sentUs: number): void {
    for (const t of trades) this.recentTrades.push(t);
    if (this.recentTrades.length > KEEP * 2) this.recentTrades.splice(0, this.recentTrades.length - KEEP);
    this.count += trades.length;
    this.lastSentUs = sentUs;
  }

  /** The live message of a batch just added. */
  message(trades: TradeView[], sentUs: number): string {
    return message(this.symbol, trades, sentUs);
  }

  /** The most recent `limit` trades, newest last. */
  recent(limit: number): TradeView[] {
    return this.recentTrades.slice(-limit);
  }

  /** One message with every trade after cursor `since` still held, or undefined when there is none. */
  since(since: number): string | undefined {
    const n = Math.min(this.count - since, this.recentTrades.length);
    return n > 0 ? message(this.symbol, this.recentTrades.slice(-n), this.lastSentUs, true) : undefined;
  }
}

const message = (symbol: string, data: TradeView[], sentUs: number, conflated = false): string =>
  frame(conflated ? { type: 'trades', symbol, data, sent_us: sentUs, conflated: true } : { type: 'trades', symbol, data, sent_us: sentUs });
