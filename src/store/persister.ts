// Makes each flush's rows durable before the Kafka transaction that commits their offsets:
// trades to ClickHouse, closed candles to PostgreSQL. While a store is down it retries with
// backoff; the flush waits, so offsets never pass unpersisted rows and consumption stops once
// enough is waiting (Kafka is the buffer). Both writes are idempotent, so rows written again after
// a crash or a retry land once.
import type { Instrument } from '../domain/instrument.js';
import { candleView, type CandleView } from '../domain/wire-views.js';
import type { BatchOutput } from '../ingest/market-state.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { CandleStore } from './candle-store.js';
import type { TradeStore } from './trade-store.js';

export class Persister {
  constructor(
    private readonly trades: TradeStore,
    private readonly candles: CandleStore,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Resolves once every row of `out` is stored (retrying as long as it takes). */
  async persist(out: BatchOutput, instrument: (symbol: string) => Instrument | undefined): Promise<void> {
    const closed: CandleView[] = out.candles.map(({ symbol, candle }) => candleView(instrument(symbol)!, candle));
    await Promise.all([
      this.withRetry('ch_trades', () => this.trades.insert(out.trades)),
      this.withRetry('pg_candles', () => this.candles.upsert(closed)),
    ]);
  }

  private async withRetry(repository: string, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await write();
        this.metrics.dbQueryDuration.observe({ repository }, performance.now() - started);
        return;
      } catch (err) {
        this.metrics.storeWriteFailures.inc({ repository });
        if (attempt === 1 || attempt % 20 === 0) this.log.warn({ repository, attempt, err: (err as Error).message.split('\n')[0] }, 'store write failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }
}
