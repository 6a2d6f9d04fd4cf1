// Completed candles from PostgreSQL for /v1/klines and gRPC replay.
import type pg from 'pg';
import type { Interval } from '../domain/candle.js';
import type { CandleView } from '../domain/wire-views.js';
import type { Metrics } from '../obs/metrics.js';

export class CandleReader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly metrics: Metrics,
  ) {}

  /** Closed candles with open_time in [start, end], oldest first; without start, the latest `limit`. */
  async range(symbol: string, interval: Interval, start: number | undefined, end: number, limit: number): Promise<CandleView[]> {
    const started = performance.now();
    const cols = `symbol, interval, open_time, close_time, open::text, high::text, low::text, close::text, volume::text, quote_volume::text, trade_count`;
    const { rows } =
      start === undefined
        ? await this.pool.query(`SELECT ${cols} FROM candles WHERE symbol = $1 AND interval = $2 AND open_time <= $3 ORDER BY open_time DESC LIMIT $4`, [symbol, interval, end, limit])
        : await this.pool.query(`SELECT ${cols} FROM candles WHERE symbol = $1 AND interval = $2 AND open_time BETWEEN $3 AND $4 ORDER BY open_time LIMIT $5`, [symbol, interval, start, end, limit]);
    this.metrics.dbQueryDuration.observe({ repository: 'pg_candles_read' }, performance.now() - started);
    const out = rows.map((r) => ({
      symbol: r.symbol,
      interval: r.interval,
      open_time: Number(r.open_time),
      close_time: Number(r.close_time),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
      quote_volume: r.quote_volume,
      trade_count: Number(r.trade_count),
      closed: true,
    }));
    return start === undefined ? out.reverse() : out;
  }
}
