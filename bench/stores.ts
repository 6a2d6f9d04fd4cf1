// Rows/s into the stores at the batch sizes the service uses: trades into ClickHouse in
// per-flush inserts (~1,000 rows: 100 ms of a 100k events/s feed, ~10 % trades), beside one bulk
// insert of the same rows; closed candles into PostgreSQL in per-flush upserts (50 symbols'
// 1m candles), beside one statement per row. Own databases, dropped afterwards.
import { loadConfig } from '../src/config.js';
import type { CandleView } from '../src/domain/wire-views.js';
import type { TradeOut } from '../src/ingest/market-state.js';
import { createLogger } from '../src/obs/logger.js';
import { createClickHouse } from '../src/store/clickhouse.js';
import { migrateAll } from '../src/store/migrate.js';
import { createPostgresPool } from '../src/store/postgres.js';
import { CandleStore } from '../src/store/candle-store.js';
import { TradeStore } from '../src/store/trade-store.js';
import { writeResult } from './lib/result.js';

const cfg = loadConfig();
const log = createLogger('silent');
const db = `md_bench_${process.pid}`;
const admin = createPostgresPool(cfg.postgresUrl, log);
await admin.query(`CREATE DATABASE ${db}`);
const pool = createPostgresPool(cfg.postgresUrl.replace(/\/[^/]+$/, `/${db}`), log);
const benchCfg = { ...cfg, clickhouse: { ...cfg.clickhouse, database: db } };
await migrateAll(benchCfg, pool, log);
const ch = createClickHouse(benchCfg.clickhouse);

const seconds = async (fn: () => Promise<void>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

try {
  // ---- ClickHouse trades ----
  const TRADES = 200_000;
  const FLUSH_ROWS = 1_000;
  const trades = (offset: number): TradeOut[] =>
    Array.from({ length: TRADES }, (_, i) => ({
      symbol: `SYM${i % 50}-PERP`,
      sequence: offset + i,
      timestamp: Date.UTC(2026, 0, 1) + i,
      sendTimeUs: 0,
      trade: { trade_id: `t${offset + i}`, price: `${64000 + (i % 997) / 10}`, quantity: `${(i % 5000) / 1000 + 0.001}`, taker_side: i % 2 ? 'buy' : 'sell', maker_order_id: `m${i}`, taker_order_id: `k${i}` },
    }));
  const store = new TradeStore(ch, db);
  const batched = trades(0);
  const batchedS = await seconds(async () => {
    for (let i = 0; i < batched.length; i += FLUSH_ROWS) await store.insert(batched.slice(i, i + FLUSH_ROWS));
  });
  const bulk = trades(10_000_000);
  const bulkS = await seconds(() => store.insert(bulk));
  writeResult({
    name: 'store-clickhouse-trades',
    metric: `trades inserted per second in ${FLUSH_ROWS.toLocaleString('en-US')}-row batches (TSV, exact decimals)`,
    value: TRADES / batchedS,
    unit: 'rows/s',
    baseline: { name: `one ${TRADES.toLocaleString('en-US')}-row insert of the same rows`, value: TRADES / bulkS },
    detail: { rows: TRADES, batch_rows: FLUSH_ROWS, inserts: TRADES / FLUSH_ROWS },
  });

  // ---- PostgreSQL candles ----
  const CANDLES = 20_000;
  const PER_FLUSH = 50;
  const candles = (offset: number): CandleView[] =>
    Array.from({ length: CANDLES }, (_, i) => ({
      symbol: `SYM${i % PER_FLUSH}-PERP`,
      interval: '1m',
      open_time: (offset + Math.floor(i / PER_FLUSH)) * 60_000,
      close_time: (offset + Math.floor(i / PER_FLUSH)) * 60_000 + 59_999,
      open: '64000.1',
      high: '64010.5',
      low: '63990.2',
      close: '64001.7',
      volume: '12.345',
      quote_volume: '790123.4567',
      trade_count: 321,
      closed: true,
    }));
  const candleStore = new CandleStore(pool);
  const perFlush = candles(0);
  const upsertS = await seconds(async () => {
    for (let i = 0; i < perFlush.length; i += PER_FLUSH) await candleStore.upsert(perFlush.slice(i, i + PER_FLUSH));
  });
  const single = candles(1_000_000);
  const singleS = await seconds(async () => {
    for (const c of single) await candleStore.upsert([c]);
  });
  writeResult({
    name: 'store-postgres-candles',
    metric: `closed candles upserted per second in ${PER_FLUSH}-row statements`,
    value: CANDLES / upsertS,
    unit: 'rows/s',
    baseline: { name: 'one upsert statement per candle', value: CANDLES / singleS },
    detail: { rows: CANDLES, batch_rows: PER_FLUSH },
  });
} finally {
  await pool.end();
  await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
  await ch.close();
  await admin.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
  await admin.end();
}
