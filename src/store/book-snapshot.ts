// A full book as stored (ClickHouse history, PostgreSQL latest): decimal strings, best first.
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import { levelStrings } from '../domain/instrument.js';
import type { MarketState, SnapshotReason } from '../ingest/market-state.js';

export interface StoredBook {
  symbol: string;
  sequence: number;
  ts: number;
  reason: SnapshotReason;
  bids: [string, string][];
  asks: [string, string][];
  checksum: number;
}

/** The snapshots of a batch output, read from the books as they are now (call before anything awaits). */
export function storedBooks(snapshots: Map<string, { reason: SnapshotReason; sequence: number }>, state: MarketState, now: number): StoredBook[] {
  const out: StoredBook[] = [];
  for (const [symbol, s] of snapshots) {
    const inst = state.instrument(symbol);
    const book = state.books.book(symbol);
    if (!inst || !book) continue;
    const d = book.depth(Infinity);
    out.push({ symbol, sequence: s.sequence, ts: now, reason: s.reason, bids: levelStrings(inst, d.bids), asks: levelStrings(inst, d.asks), checksum: bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH) });
  }
  return out;
}
