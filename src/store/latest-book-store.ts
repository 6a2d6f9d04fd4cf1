// The latest full book of every symbol in PostgreSQL, one row each, upserted; an older snapshot
// (a replay after a restart) never overwrites a newer one.
import type pg from 'pg';
import type { StoredBook } from './book-snapshot.js';
import { insertRows } from './postgres-rows.js';

const COLUMNS = ['symbol', 'sequence', 'ts_ms', 'reason', 'bids', 'asks', 'checksum'];

export class LatestBookStore {
  constructor(private readonly pool: pg.Pool) {}

  upsert(books: readonly StoredBook[]): Promise<void> {
    // one row per symbol per statement: ON CONFLICT cannot touch the same row twice
    const newest = new Map<string, StoredBook>();
    for (const b of books) if ((newest.get(b.symbol)?.sequence ?? -1) <= b.sequence) newest.set(b.symbol, b);
    return insertRows(
      this.pool,
      'latest_books',
      COLUMNS,
      [...newest.values()].map((b) => [b.symbol, b.sequence, b.ts, b.reason, JSON.stringify(b.bids), JSON.stringify(b.asks), b.checksum]),
      `ON CONFLICT (symbol) DO UPDATE SET
         sequence = EXCLUDED.sequence, ts_ms = EXCLUDED.ts_ms, reason = EXCLUDED.reason, bids = EXCLUDED.bids,
         asks = EXCLUDED.asks, checksum = EXCLUDED.checksum, updated_at = now()
       WHERE latest_books.sequence <= EXCLUDED.sequence`,
    );
  }
}
