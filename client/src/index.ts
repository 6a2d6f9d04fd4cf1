// @market-data/client: a WebSocket client that keeps verified order books, typed streams and a
// typed REST client for the market-data service. docs/API.md describes the protocol underneath.
import { MarketClient } from './market-client.js';
import type { ConnectOptions } from './connection.js';
import { RestClient, type RestOptions } from './rest.js';

/** One multiplexed connection; with several URLs (edges), it fails over in order. */
export function connect(urls: string | readonly string[], options: ConnectOptions = {}): MarketClient {
  return new MarketClient(urls, options);
}

export function rest(baseUrl: string, options: RestOptions = {}): RestClient {
  return new RestClient(baseUrl, options);
}

export { MarketClient, RestClient };
export { BookFeed, type BookOptions, type BookStats } from './book-feed.js';
export { ChannelFeed } from './channel-feed.js';
export { Connection, type ConnectOptions, type ConnectionState, type StateEvent } from './connection.js';
export { MarketDataError, type ClientErrorCode, type ErrorCode, type RestErrorCode, type WsErrorCode } from './errors.js';
export { LocalBook, CHECKSUM_DEPTH, type ApplyOutcome, type VerifiedBook } from './local-book.js';
export { addDecimal, compareDecimal, isZero, subtractDecimal } from './decimal.js';
export { backoffDelay, type Backoff, type SocketConstructor, type SocketLike } from './socket.js';
export { Stream, type StreamOptions } from './stream.js';
export type { RestOptions, RestPath, RestQuery, RestResponse, Instrument, Depth, Trade, Ticker, Candle, Mark, Index, Funding, Liquidation } from './rest.js';
export type * from '../../src/contract/ws-frames.js';
export { CLOSE } from '../../src/contract/ws-frames.js';
