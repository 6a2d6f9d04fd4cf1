// Completed candles in PostgreSQL (the source of /v1/klines), upserted on (symbol, interval, open_time).
// A candle only grows (trades are never taken out), so a write with fewer trades than the stored
// row is stale (a core that lost the partition closing what it had seen) and is ignored.
import type pg from 'pg';
import type { CandleView } from '../domain/wire-views.js';
import { insertRows } from './postgres-rows.js';

const COLUMNS = ['symbol', 'interval', 'open_time', 'close_time', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count'] as const;

export class CandleStore {
  constructor(private readonly pool: pg.Pool) {}

  upsert(candles: readonly CandleView[]): Promise<void> {
    return insertRows(
      this.pool,
      'candles',
      COLUMNS,
      candles.map((c) => [c.symbol, c.interval, c.open_time, c.close_time, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trade_count]),
      `ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
         close_time = EXCLUDED.close_time, open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
         close = EXCLUDED.close, volume = EXCLUDED.volume, quote_volume = EXCLUDED.quote_volume,
         trade_count = EXCLUDED.trade_count, updated_at = now()
       WHERE candles.trade_count <= EXCLUDED.trade_count`,
    );
  }
}
