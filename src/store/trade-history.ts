// Reads trade history back from ClickHouse, for rebuilding candles and tickers after a restart.
// Quote volume cannot be summed in ClickHouse 18.16 (Decimal(38,18) × Decimal(38,18) overflows),
// so trades come back grouped by second and price: Σ quantity per price level stays exact, and
// price × Σ quantity is done in BigInt by the caller.
import type { ClickHouseClient } from './clickhouse.js';
import type { Metrics } from '../obs/metrics.js';

/** A ClickHouse string literal (18.16 has no query parameters). */
export const chString = (s: string): string => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export interface LastTrade {
  symbol: string;
  sequence: number;
  ts: number;
}

/** The trades of one second at one price. */
export interface SecondPriceLevel {
  sec: number;
  price: string;
  quantity: string;
  count: number;
  firstSequence: number;
  lastSequence: number;
}

export class TradeHistory {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database: string,
    private readonly metrics: Metrics,
  ) {}

  /** The highest stored sequence of every symbol and its trade's timestamp. */
  async lastTrades(): Promise<LastTrade[]> {
    const rows = await this.query<{ symbol: string; last_seq: string; last_ts: string }>(
      `SELECT symbol, max(sequence) AS last_seq, argMax(ts_ms, sequence) AS last_ts FROM ${this.database}.trades GROUP BY symbol`,
    );
    return rows.map((r) => ({ symbol: r.symbol, sequence: Number(r.last_seq), ts: Number(r.last_ts) }));
  }

  /** Every stored trade of `symbol` from `fromTs` (ms) on, grouped by second and price, oldest first. */
  async secondPriceLevels(symbol: string, fromTs: number): Promise<SecondPriceLevel[]> {
    const rows = await this.query<{ sec: string; p: string; q: string; n: string; first_seq: string; last_seq: string }>(
      `SELECT intDiv(ts_ms, 1000) AS sec, toString(price) AS p, toString(sum(quantity)) AS q, count() AS n,
              min(sequence) AS first_seq, max(sequence) AS last_seq
       FROM ${this.database}.trades FINAL
       WHERE symbol = ${chString(symbol)} AND ts_ms >= ${Math.max(0, Math.floor(fromTs))}
       GROUP BY sec, price ORDER BY sec, first_seq`,
    );
    return rows.map((r) => ({
      sec: Number(r.sec),
      price: r.p,
      quantity: r.q,
      count: Number(r.n),
      firstSequence: Number(r.first_seq),
      lastSequence: Number(r.last_seq),
    }));
  }

  private async query<T>(query: string): Promise<T[]> {
    const started = performance.now();
    const rs = await this.ch.query({ query, format: 'JSONEachRow' });
    const rows = await rs.json<T>();
    this.metrics.dbQueryDuration.observe({ repository: 'ch_trade_history' }, performance.now() - started);
    return rows;
  }
}

export interface StoredTradeRow {
  trade_id: string;
  price: string;
  quantity: string;
  taker_side: string;
  ts_ms: string;
  sequence: string;
}

/** One page of stored trades of `symbol` in [fromTs, toTs] after `afterSequence`, by sequence (for replay). */
export async function tradesPage(ch: ClickHouseClient, database: string, symbol: string, fromTs: number, toTs: number, afterSequence: number, limit: number): Promise<StoredTradeRow[]> {
  const rs = await ch.query({
    query: `SELECT trade_id, toString(price) AS price, toString(quantity) AS quantity, toString(taker_side) AS taker_side, ts_ms, sequence
            FROM ${database}.trades FINAL
            WHERE symbol = ${chString(symbol)} AND ts_ms BETWEEN ${Math.floor(fromTs)} AND ${Math.floor(toTs)} AND sequence > ${Math.floor(afterSequence)}
            ORDER BY sequence LIMIT ${Math.floor(limit)}`,
    format: 'JSONEachRow',
  });
  return rs.json<StoredTradeRow>();
}

export interface StoredBookRow {
  sequence: string;
  ts_ms: string;
  bp: string[];
  bs: string[];
  ap: string[];
  as: string[];
  checksum: number;
}

/** One page of stored book snapshots of `symbol` in [fromTs, toTs] after `afterSequence`. */
export async function bookSnapshotsPage(ch: ClickHouseClient, database: string, symbol: string, fromTs: number, toTs: number, afterSequence: number, limit: number): Promise<StoredBookRow[]> {
  const str = (col: string) => `arrayMap(x -> toString(x), ${col})`;
  const rs = await ch.query({
    query: `SELECT sequence, ts_ms, ${str('bid_prices')} AS bp, ${str('bid_sizes')} AS bs, ${str('ask_prices')} AS ap, ${str('ask_sizes')} AS as, checksum
            FROM ${database}.book_snapshots FINAL
            WHERE symbol = ${chString(symbol)} AND ts_ms BETWEEN ${Math.floor(fromTs)} AND ${Math.floor(toTs)} AND sequence > ${Math.floor(afterSequence)}
            ORDER BY sequence LIMIT ${Math.floor(limit)}`,
    format: 'JSONEachRow',
  });
  return rs.json<StoredBookRow>();
}
