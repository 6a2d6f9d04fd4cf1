// The events of one stream (a symbol's trades, or its liquidations): the last few thousand kept in
// memory, in order, for REST (/v1/trades, /v1/liquidations), for messages to over-budget clients
// (every event since their cursor, merged into one message) and for clients that fall behind
// briefly. Pure.

import { frame } from '../contract/ws-frames.js';
import type { LiquidationView, TradeView } from '../domain/wire-views.js';

const KEEP = 5_000;

/** A stream's message of some events (conflated: a merged catch-up). */
export type EventMessage<T> = (symbol: string, data: T[], sentUs: number, conflated: boolean) => string;

export class EventStream<T> {
  /** Events published so far on this stream: a cursor for merged catch-ups. */
  count = 0;
  private readonly recentEvents: T[] = [];
  /** Send time of the latest batch (µs). */
  private lastSentUs = 0;

  constructor(
    readonly symbol: string,
    private readonly build: EventMessage<T>,
  ) {}

  /** Adds a batch (in order). */
  add(events: T[], sentUs: number): void {
    for (const e of events) this.recentEvents.push(e);
    if (this.recentEvents.length > KEEP * 2) this.recentEvents.splice(0, this.recentEvents.length - KEEP);
    this.count += events.length;
    this.lastSentUs = sentUs;
  }

  /** Events held (at most twice the number kept). */
  get held(): number {
    return this.recentEvents.length;
  }

  /** The live message of a batch just added. */
  message(events: T[], sentUs: number): string {
    return this.build(this.symbol, events, sentUs, false);
  }

  /** The most recent `limit` events, newest last. */
  recent(limit: number): T[] {
    return this.recentEvents.slice(-limit);
  }

  /** One message with every event after cursor `since` still held, or undefined when there is none. */
  since(since: number): string | undefined {
    const n = Math.min(this.count - since, this.recentEvents.length);
    return n > 0 ? this.build(this.symbol, this.recentEvents.slice(-n), this.lastSentUs, true) : undefined;
  }
}

export const tradesMessage: EventMessage<TradeView> = (symbol, data, sentUs, conflated) =>
  frame(conflated ? { type: 'trades', symbol, data, sent_us: sentUs, conflated: true } : { type: 'trades', symbol, data, sent_us: sentUs });

export const liquidationsMessage: EventMessage<LiquidationView> = (symbol, data, sentUs, conflated) =>
  frame(conflated ? { type: 'liquidations', symbol, data, sent_us: sentUs, conflated: true } : { type: 'liquidations', symbol, data, sent_us: sentUs });
