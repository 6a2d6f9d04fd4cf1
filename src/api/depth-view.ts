// The order book as REST and gRPC return it: the top `depth` levels, the sequence the book is
// at, its status and the top-25 checksum, read in one synchronous step.
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import type { Instrument } from '../domain/instrument.js';
import type { Level } from '../domain/order-book.js';
import type { MarketView } from '../market/market-view.js';

export interface DepthView {
  symbol: string;
  sequence: number;
  status: string;
  bids: Level[];
  asks: Level[];
  checksum: number;
  timestamp: number;
}

export function depthView(view: MarketView, inst: Instrument, depth: number): DepthView {
  const book = view.book(inst.symbol)!;
  return {
    symbol: inst.symbol,
    sequence: book.sequence,
    status: view.status(inst.symbol) ?? 'resyncing',
    bids: book.bids.top(depth),
    asks: book.asks.top(depth),
    checksum: bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH),
    timestamp: Date.now(),
  };
}
