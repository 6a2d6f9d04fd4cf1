// Completed candles in PostgreSQL, upserted (parameterised, many rows per statement).
import type pg from 'pg';
import type { CandleView } from '../domain/wire-views.js';

const COLUMNS = ['symbol', 'interval', 'open_time', 'close_time', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count'] as const;
const CHUNK = 500;

export class CandleStore {
  constructor(private readonly pool: pg.Pool) {}

  async upsert(candles: readonly CandleView[]): Promise<void> {
    for (let i = 0; i < candles.length; i += CHUNK) {
      const chunk = candles.slice(i, i + CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((c) => {
        const base = params.length;
        params.push(c.symbol, c.interval, c.open_time, c.close_time, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trade_count);
        return `(${COLUMNS.map((_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await this.pool.query(
        `INSERT INTO candles (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
         ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
           close_time = EXCLUDED.close_time, open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
           close = EXCLUDED.close, volume = EXCLUDED.volume, quote_volume = EXCLUDED.quote_volume,
           trade_count = EXCLUDED.trade_count, updated_at = now()`,
        params,
      );
    }
  }
}
