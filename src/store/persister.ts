// Makes each flush's rows durable before the Kafka transaction that commits their offsets:
// trades, closed candles and book snapshots to ClickHouse; closed candles and the latest book to
// PostgreSQL. While a store is down it retries with backoff; the flush waits, so offsets never
// pass unpersisted rows and consumption stops once enough is waiting (Kafka is the buffer).
// Every write is idempotent, so rows written again after a crash or a retry land once.
import { candleView, type CandleView } from '../domain/wire-views.js';
import type { BatchOutput, MarketState, TradeOut } from '../ingest/market-state.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { Tracing } from '../obs/tracing.js';
import type { Context } from '@opentelemetry/api';
import type { AnalyticsStore } from './analytics-store.js';
import { storedBooks, type StoredBook } from './book-snapshot.js';
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

/** The rows one take of the ingest output gives each store (read from the state at take time). */
export interface PersistRows {
  trades: TradeOut[];
  candles: CandleView[];
  books: StoredBook[];
}

export class Persister {
  constructor(
    private readonly stores: IngestStores,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly tracing: Tracing = Tracing.disabled(),
  ) {}

  /** The rows of `out`. Reads the books of `out.snapshots` now: call it as the output is taken. */
  rows(out: BatchOutput, state: MarketState): PersistRows {
    return {
      trades: out.trades,
      candles: out.candles.map(({ symbol, candle }) => candleView(state.instrument(symbol)!, candle)),
      books: storedBooks(out.snapshots, state, Date.now()),
    };
  }

  /** Resolves once every row is stored (retrying as long as it takes); the stores write concurrently. */
  async write(all: readonly PersistRows[], trace?: Context): Promise<void> {
    const { trades, candles, latestBooks, analytics } = this.stores;
    const t = all.flatMap((r) => r.trades);
    const c = all.flatMap((r) => r.candles);
    const b = all.flatMap((r) => r.books);
    const writes: Promise<unknown>[] = [];
    const write = (repository: string, rows: number, fn: () => Promise<void>) => {
      if (rows > 0) writes.push(writeWithRetry(repository, fn, this.metrics, this.log));
    };
    write('ch_trades', t.length, () => trades.insert(t));
    if (c.length) {
      // closed candles are few (each symbol's minute, at most): every write is traced when tracing is on
      const span = this.tracing.start('md.persist_candle', { candles: c.length, symbol: c.length === 1 ? c[0]!.symbol : 'several' }, trace);
      writes.push(
        this.tracing.runAsync(span, () =>
          Promise.all([writeWithRetry('pg_candles', () => candles.upsert(c), this.metrics, this.log), writeWithRetry('ch_candles', () => analytics.insertCandles(c), this.metrics, this.log)]),
        ),
      );
    }
    write('ch_book_snapshots', b.length, () => analytics.insertBooks(b));
    write('pg_latest_books', b.length, () => latestBooks.upsert(b));
    await Promise.all(writes);
  }
}
