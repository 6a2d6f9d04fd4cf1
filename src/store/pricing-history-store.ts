// Mark, index and funding history in PostgreSQL; ON CONFLICT DO NOTHING, so a batch written again lands once.
import type pg from 'pg';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import { insertRows } from './postgres-rows.js';

export class PricingHistoryStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts the marks, indices and funding rates of several pricing outputs. */
  async insertAll(outs: readonly PricingOutput[]): Promise<void> {
    const out = { marks: outs.flatMap((o) => o.marks), indices: outs.flatMap((o) => o.indices), funding: outs.flatMap((o) => o.funding) };
    const once = (key: string) => `ON CONFLICT (${key}, ts_ms) DO NOTHING`;
    await insertRows(
      this.pool,
      'mark_prices',
      ['symbol', 'ts_ms', 'index_symbol', 'mark_price', 'index_price', 'premium_ema', 'stale'],
      out.marks.map((m) => [m.symbol, m.timestamp, m.index_symbol, m.mark_price, m.index_price, m.premium_ema, m.stale]),
      once('symbol'),
    );
    await insertRows(
      this.pool,
      'index_prices',
      ['index_symbol', 'ts_ms', 'price', 'stale', 'sources_used'],
      out.indices.map((i) => [i.index_symbol, i.timestamp, i.price, i.stale, i.sources_used]),
      once('index_symbol'),
    );
    await insertRows(
      this.pool,
      'funding_rates',
      ['symbol', 'ts_ms', 'funding_rate', 'premium_rate_avg', 'interest_rate', 'next_funding_time'],
      out.funding.map((f) => [f.symbol, f.timestamp, f.funding_rate, f.premium_rate_avg, f.interest_rate, f.next_funding_time]),
      once('symbol'),
    );
  }
}
