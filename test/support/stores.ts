// A ClickHouse and a PostgreSQL database of a test's own, and the checks the persistence tests
// share: every trade stored once, and stored candles equal to a batch recomputation.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { candlesFromTrades, type Interval } from '../../src/domain/candle.js';
import { makeInstrument, type Instrument } from '../../src/domain/instrument.js';
import { candleView } from '../../src/domain/wire-views.js';
import { createLogger } from '../../src/obs/logger.js';
import { listings } from '../../src/sim/instruments.js';
import { createClickHouse, type ClickHouseClient } from '../../src/store/clickhouse.js';
import { createPostgresPool } from '../../src/store/postgres.js';
import { waitUntil, within } from './stack.js';

const cfg = loadConfig();

export interface StoredTrade {
  trade_id: string;
  symbol: string;
  price: string;
  quantity: string;
  ts_ms: string;
  sequence: string;
}

export interface TestStores {
  /** Environment pointing the service at these databases. */
  env: Record<string, string>;
  ch: ClickHouseClient;
  /** The ClickHouse database (also the PostgreSQL one). */
  database: string;
  pg: pg.Pool;
  /** Every trade in ClickHouse, deduplicated (FINAL), by symbol and sequence. */
  trades(): Promise<StoredTrade[]>;
  waitForTrades(n: number, timeoutMs?: number): Promise<void>;
  drop(): Promise<void>;
}

export async function testStores(prefix: string): Promise<TestStores> {
  const db = `md_${prefix.replace(/\W/g, '')}`;
  const admin = createPostgresPool(cfg.postgresUrl, createLogger('silent'));
  await admin.query(`CREATE DATABASE ${db}`);
  const env = { PERSIST_ENABLED: 'true', CLICKHOUSE_URL: `${cfg.clickhouse.url}/${db}`, POSTGRES_URL: cfg.postgresUrl.replace(/\/[^/]+$/, `/${db}`) };
  const ch = createClickHouse(cfg.clickhouse, 'default');
  const pool = createPostgresPool(env.POSTGRES_URL, createLogger('silent'));
  const count = async () => {
    const rs = await ch.query({ query: `SELECT count() AS n FROM ${db}.trades FINAL`, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]!.n);
  };
  return {
    env,
    ch,
    database: db,
    pg: pool,
    async trades() {
      const rs = await ch.query({
        query: `SELECT trade_id, symbol, toString(price) AS price, toString(quantity) AS quantity, ts_ms, sequence FROM ${db}.trades FINAL ORDER BY symbol, sequence`,
        format: 'JSONEachRow',
      });
      return rs.json<StoredTrade>();
    },
    waitForTrades: (n, timeoutMs = 60_000) => waitUntil(`${n} trades in ClickHouse`, async () => (await count()) >= n, timeoutMs, 1000),
    async drop() {
      // a pool still holding a stuck query would wait for it forever
      await within(pool.end(), 30_000, `closing the pool of ${db}`).catch((err: Error) => console.error(err.message));
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
      await ch.close();
      await admin.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** The simulator's instrument of `symbol` (listings of a run with `count` symbols). */
export const simInstrument = (symbol: string, count: number): Instrument => makeInstrument(listings(count).find((l) => l.spec.symbol === symbol)!.spec);

/** Stored trades of one symbol in ticks and lots. */
export const tradeUnits = (inst: Instrument, rows: StoredTrade[]) =>
  rows.filter((r) => r.symbol === inst.symbol).map((r) => ({ price: inst.tick.toUnits(r.price), quantity: inst.lot.toUnits(r.quantity), ts: Number(r.ts_ms) }));

/** Asserts that the closed candles of `interval` in PostgreSQL equal a batch recomputation from the stored trades; returns how many. */
export async function assertCandlesExact(pool: pg.Pool, inst: Instrument, rows: StoredTrade[], interval: Interval, atLeast: number): Promise<number> {
  const stored = (
    await pool.query(
      `SELECT symbol, interval, open_time, close_time, open::text, high::text, low::text, close::text, volume::text, quote_volume::text, trade_count
       FROM candles WHERE symbol = $1 AND interval = $2 ORDER BY open_time`,
      [inst.symbol, interval],
    )
  ).rows;
  assert.ok(stored.length >= atLeast, `${inst.symbol}: ${stored.length} stored ${interval} candles, expected at least ${atLeast}`);
  const until = Number(stored[stored.length - 1].close_time) + 1;
  const expected = candlesFromTrades(tradeUnits(inst, rows), interval, until).map((c) => candleView(inst, c));
  assert.equal(stored.length, expected.length, `${inst.symbol}: every ${interval} candle stored`);
  stored.forEach((row, i) => {
    const e = expected[i]!;
    assert.deepEqual(
      [row.open_time, row.open, row.high, row.low, row.close, row.volume, row.quote_volume, row.trade_count].map(String),
      [e.open_time, e.open, e.high, e.low, e.close, e.volume, e.quote_volume, e.trade_count].map(String),
      `${inst.symbol} ${interval} candle at ${e.open_time}`,
    );
  });
  return stored.length;
}
