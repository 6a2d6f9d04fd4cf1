// What the market produces, as self-contained values built once per take: every reader (the
// WebSocket hub, the md.* publisher, Redis, REST caches) takes these, and an edge rebuilds the
// very same values from the md.* topics. Prices and sizes are exact: decimal strings, or
// integer ticks and lots of the symbol's instrument.
import type { Level } from '../domain/order-book.js';
import type { CandleView, LiquidationView, TickerView } from '../domain/wire-views.js';

export interface TradeValue {
  symbol: string;
  trade_id: string;
  sequence: number;
  /** Canonical decimal strings (the instrument's tick and lot decimals). */
  price: string;
  quantity: string;
  taker_side: 'buy' | 'sell';
  maker_order_id: string;
  taker_order_id: string;
  timestamp: number;
  engine_send_time_us: number;
}

/** Level changes of one book from `prevSequence` to `sequence`: price in ticks → size in lots (0 = removed). */
export interface BookDeltaValue {
  symbol: string;
  prevSequence: number;
  sequence: number;
  timestamp: number;
  sendTimeUs: number;
  bids: Map<number, number>;
  asks: Map<number, number>;
  /** Top-25 checksum of the book after the delta (crc32-interleaved-v1). */
  checksum: number;
}

export type SnapshotReason = 'start' | 'resync' | 'periodic' | 'resume';

/** A whole book: after a jump (start, resync, resume) the base of what follows; periodic ones only confirm. */
export interface BookSnapshotValue {
  symbol: string;
  sequence: number;
  reason: SnapshotReason;
  status: 'in_sync' | 'resyncing' | 'halted';
  timestamp: number;
  bids: Level[];
  asks: Level[];
  checksum: number;
}

export interface MarketOutput {
  trades: TradeValue[];
  deltas: BookDeltaValue[];
  snapshots: BookSnapshotValue[];
  /** Closed candles (each exactly once) and in-progress candles that changed. */
  candles: CandleView[];
  tickers: TickerView[];
  /** Forced liquidations, per symbol (venue perpetuals only: the engine feed has none). */
  liquidations?: { symbol: string; data: LiquidationView[]; sentUs: number }[];
  /**
   * Books that just broke (a failed check, a broken stream), as their last served levels with
   * status `resyncing`: md.* readers (edges) are told with them; in-process clients learn it from
   * the book's status. The next snapshot rebuilds them.
   */
  breaks?: BookSnapshotValue[];
}

export const emptyMarketOutput = (): MarketOutput => ({ trades: [], deltas: [], snapshots: [], candles: [], tickers: [] });
