// The client: one connection, and the streams and books read over it.
import type { CandleView, FundingView, IndexView, Interval, LiquidationView, MarkView, TickerView, TradeView } from '../../src/contract/ws-frames.js';
import { BookFeed, type BookOptions } from './book-feed.js';
import { ChannelFeed } from './channel-feed.js';
import { Connection, type ConnectOptions, type StateEvent } from './connection.js';
import type { ConfigFrame, PongFrame } from '../../src/contract/ws-frames.js';

export class MarketClient {
  readonly connection: Connection;

  constructor(urls: string | readonly string[], options: ConnectOptions = {}) {
    this.connection = new Connection(typeof urls === 'string' ? [urls] : urls, options);
  }

  get state() {
    return this.connection.state;
  }

  /** Every state change: connecting, open, reconnecting (with the close code and reason), closed. */
  onState(listener: (e: StateEvent) => void): () => void {
    return this.connection.onState(listener);
  }

  /** A local order book, verified after every message (chain and checksum); it yields only verified states. */
  book(symbol: string, options: BookOptions = {}): BookFeed {
    return new BookFeed(this.connection, symbol, options);
  }

  trades(symbol: string): ChannelFeed<TradeView> {
    return new ChannelFeed(this.connection, 'trades', symbol, (f) => (f.type === 'trades' ? f.data : []));
  }

  /** Forced liquidations of a venue perpetual with a liquidations stream (docs/VENUES.md). */
  liquidations(symbol: string): ChannelFeed<LiquidationView> {
    return new ChannelFeed(this.connection, 'liquidations', symbol, (f) => (f.type === 'liquidations' ? f.data : []));
  }

  ticker(symbol: string): ChannelFeed<TickerView> {
    return new ChannelFeed(this.connection, 'ticker', symbol, (f) => (f.type === 'ticker' ? [f.data] : []));
  }

  klines(symbol: string, interval: Interval): ChannelFeed<CandleView> {
    return new ChannelFeed(this.connection, `kline:${interval}`, symbol, (f) => (f.type === 'kline' ? [f.data] : []));
  }

  mark(symbol: string): ChannelFeed<MarkView> {
    return new ChannelFeed(this.connection, 'mark', symbol, (f) => (f.type === 'mark' ? [f.data] : []));
  }

  /** The index behind a perpetual (by the perpetual's symbol or the index's own). */
  index(symbol: string): ChannelFeed<IndexView> {
    return new ChannelFeed(this.connection, 'index', symbol, (f) => (f.type === 'index' ? [f.data] : []));
  }

  funding(symbol: string): ChannelFeed<FundingView> {
    return new ChannelFeed(this.connection, 'funding', symbol, (f) => (f.type === 'funding' ? [f.data] : []));
  }

  /** The connection's message budget (the server conflates beyond it); kept across reconnects. */
  setMaxMsgsPerSec(n: number): Promise<ConfigFrame> {
    return this.connection.config(n);
  }

  ping(): Promise<PongFrame> {
    return this.connection.ping();
  }

  close(): void {
    this.connection.close();
  }
}
