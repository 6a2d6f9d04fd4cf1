// Makes each flush's rows durable before the Kafka transaction that commits their offsets:
// trades, closed candles and book snapshots to ClickHouse; closed candles and the latest book to
// PostgreSQL. While a store is down it retries with backoff; the flush waits, so offsets never
// pass unpersisted rows and consumption stops once enough is waiting (Kafka is the buffer).
// Every write is idempotent, so rows written again after a crash or a retry land once.
import { candleView } from '../domain/wire-views.js';
import type { BatchOutput, MarketState } from '../ingest/market-state.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { AnalyticsStore } from './analytics-store.js';
import { storedBooks } from './book-snapshot.js';
import type { CandleStore } from './candle-store.js';
import type { LatestBookStore } from './latest-book-store.js';
import { writeWithRetry } from './retry.js';
import type { TradeStore } from './trade-store.js';

export interface IngestStores {
  trades: TradeStore;
  candles: CandleStore;
  latestBooks: LatestBookStore;
  analytics: AnalyticsStore;
}

export class Persister {
  constructor(
    private readonly stores: IngestStores,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves once every row of `out` is stored (retrying as long as it takes). Reads the books of
   * `out.snapshots` synchronously: call it before anything awaits after the output was taken.
   */
  async persist(out: BatchOutput, state: MarketState): Promise<void> {
    const { trades, candles, latestBooks, analytics } = this.stores;
    const closed = out.candles.map(({ symbol, candle }) => candleView(state.instrument(symbol)!, candle));
    const books = storedBooks(out.snapshots, state, Date.now());
    const writes: Promise<unknown>[] = [];
    const write = (repository: string, rows: number, fn: () => Promise<void>) => {
      if (rows > 0) writes.push(writeWithRetry(repository, fn, this.metrics, this.log));
    };
    write('ch_trades', out.trades.length, () => trades.insert(out.trades));
    write('pg_candles', closed.length, () => candles.upsert(closed));
    write('ch_candles', closed.length, () => analytics.insertCandles(closed));
    write('ch_book_snapshots', books.length, () => analytics.insertBooks(books));
    write('pg_latest_books', books.length, () => latestBooks.upsert(books));
    await Promise.all(writes);
  }
}
