// The WebSocket protocol at /ws, both directions: the frames the server builds and the client
// library (client/) reads. One place: a change here breaks the build of both. docs/API.md explains them.
import type { Interval } from '../domain/candle.js';
import type { CandleView, FundingView, IndexView, LiquidationView, MarkView, TickerView, TradeView } from '../domain/wire-views.js';

export type { CandleView, FundingView, IndexView, Interval, LiquidationView, MarkView, TickerView, TradeView };

export type Channel = 'book' | 'trades' | 'ticker' | 'mark' | 'index' | 'funding' | 'liquidations' | `kline:${Interval}`;

// ---- client → server ----

export type SubscribeRequest = { op: 'subscribe'; channel: Channel; symbol: string; prec?: string; seq?: number; id?: RequestId };
export type UnsubscribeRequest = { op: 'unsubscribe'; channel: Channel; symbol: string; id?: RequestId };
export type ConfigRequest = { op: 'config'; prec?: string; max_msgs_per_sec?: number; id?: RequestId };
export type PingRequest = { op: 'ping'; id?: RequestId };
export type ClientFrame = SubscribeRequest | UnsubscribeRequest | ConfigRequest | PingRequest;
/** Echoed back on the answer: a number or a string of at most 64 characters. */
export type RequestId = string | number;

// ---- server → client: answers ----

/** `prec`: the book's price grouping (book); `index_symbol`: the index a perpetual's `index` stream follows (index). */
export type SubscribedFrame = { type: 'subscribed'; channel: Channel; symbol: string; prec?: string; index_symbol?: string; id?: RequestId };
export type UnsubscribedFrame = { type: 'unsubscribed'; channel: Channel; symbol: string; id?: RequestId };
export type ConfigFrame = { type: 'config'; prec: string | null; max_msgs_per_sec: number; id?: RequestId };
export type PongFrame = { type: 'pong'; ts: number; id?: RequestId };
export type ErrorFrame = { type: 'error'; code: WsErrorCode; message: string; op?: string; id?: RequestId };

/** The error codes of error frames: a refused frame, the connection lives on. */
export type WsErrorCode =
  | 'bad_json'
  | 'bad_op'
  | 'bad_request'
  | 'unknown_channel'
  | 'unknown_symbol'
  | 'bad_prec'
  | 'too_many_subscriptions'
  | 'not_subscribed'
  | 'rate_limited'
  | 'binary_not_supported';

/** Close codes the server ends a connection with. */
export const CLOSE = {
  goingAway: 1001,
  frameTooLarge: 1009,
  slowConsumer: 4008,
  flood: 4029,
} as const;
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

// ---- server → client: market data ----

/** [price, size], decimal strings; a size of "0" removes the level. */
export type BookLevel = [price: string, size: string];
/** `stale`: an edge has heard nothing from the cores for this book for a while (README "Scaling out"). */
export const BOOK_STATUSES = ['in_sync', 'resyncing', 'halted', 'stale'] as const;
export type BookStatus = (typeof BOOK_STATUSES)[number];

/** The whole book (or its top levels) at `seq`: the base the following deltas chain onto. */
export type BookSnapshotFrame = {
  type: 'book';
  action: 'snapshot';
  symbol: string;
  prec: string;
  seq: number;
  status: BookStatus;
  bids: BookLevel[];
  asks: BookLevel[];
  /** CRC-32 of the top 25 levels after this message (docs/API.md, "Checksum"). */
  checksum: number;
  ts: number;
};

/** Level changes from `prev_seq` to `seq`; `conflated` when several deltas were merged into one. */
export type BookDeltaFrame = {
  type: 'book';
  action: 'delta';
  symbol: string;
  prec: string;
  seq: number;
  prev_seq: number;
  bids: BookLevel[];
  asks: BookLevel[];
  checksum: number;
  ts: number;
  sent_us: number;
  conflated?: true;
};

/** The book's status changed (resyncing while the service rebuilds it; in_sync again). */
export type BookStatusFrame = { type: 'book'; action: 'status'; symbol: string; prec: string; seq: number; status: BookStatus };

export type BookFrame = BookSnapshotFrame | BookDeltaFrame | BookStatusFrame;
export type TradesFrame = { type: 'trades'; symbol: string; data: TradeView[]; sent_us: number; conflated?: true };
/** Forced liquidations of a venue perpetual (docs/VENUES.md): events like trades. */
export type LiquidationsFrame = { type: 'liquidations'; symbol: string; data: LiquidationView[]; sent_us: number; conflated?: true };
export type KlineFrame = { type: 'kline'; symbol: string; interval: Interval; data: CandleView };
export type TickerFrame = { type: 'ticker'; symbol: string; data: TickerView };
export type MarkFrame = { type: 'mark'; symbol: string; data: MarkView };
export type FundingFrame = { type: 'funding'; symbol: string; data: FundingView };
export type IndexFrame = { type: 'index'; symbol: string; data: IndexView };

export type DataFrame = BookFrame | TradesFrame | LiquidationsFrame | KlineFrame | TickerFrame | MarkFrame | FundingFrame | IndexFrame;
export type ServerFrame = DataFrame | SubscribedFrame | UnsubscribedFrame | ConfigFrame | PongFrame | ErrorFrame;

/** Serialises a server frame: the server builds every frame through this, so each is checked against the types above. */
export const frame = (f: ServerFrame): string => JSON.stringify(f);
