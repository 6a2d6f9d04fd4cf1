import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/obs/logger.js';
import { createClickHouse } from '../../src/store/clickhouse.js';
import { migrateAll, MIGRATIONS_DIR } from '../../src/store/migrate.js';
import { CandleStore } from '../../src/store/candle-store.js';
import type { CandleView } from '../../src/domain/wire-views.js';

const log = createLogger('silent');

describe('migrations against real PostgreSQL and ClickHouse', () => {
  const name = `md_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const base = loadConfig();
  const cfg: Config = {
    ...base,
    postgresUrl: base.postgresUrl.replace(/\/[^/?]+(\?.*)?$/, `/${name}`),
    clickhouse: { ...base.clickhouse, database: name },
  };
  const adminPg = new pg.Pool({ connectionString: base.postgresUrl });
  const adminCh = createClickHouse(base.clickhouse, 'default');
  let pool: pg.Pool;

  before(async () => {
    await adminPg.query(`CREATE DATABASE ${name}`);
    pool = new pg.Pool({ connectionString: cfg.postgresUrl });
  });
  after(async () => {
    await pool.end();
    await adminPg.query(`DROP DATABASE IF EXISTS ${name}`);
    await adminPg.end();
    await adminCh.command({ query: `DROP DATABASE IF EXISTS ${name}` });
    await adminCh.close();
  });

  it('apply every file once and record it in a version table', async () => {
    await migrateAll(cfg, pool, log);
    const { rows } = await pool.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.ok(rows.length >= 1);
    const tables = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'instruments'");
    assert.equal(tables.rowCount, 1);
    const rs = await adminCh.query({ query: `SELECT name FROM system.tables WHERE database = '${name}' ORDER BY name`, format: 'JSONEachRow' });
    const chTables = (await rs.json<{ name: string }>()).map((t) => t.name);
    assert.ok(chTables.includes('trades') && chTables.includes('schema_migrations'), chTables.join(','));
  });

  it('keep the most complete candle: a later write with fewer trades (a core that lost the partition) is ignored', async () => {
    const store = new CandleStore(pool);
    const candle = (trades: number, close: string): CandleView => ({
      symbol: 'BTCUSDT-PERP', interval: '1m', open_time: 1_800_000_000_000, close_time: 1_800_000_059_999, open: '100.0', high: '101.0', low: '99.0', close,
      volume: String(trades), quote_volume: String(trades * 100), trade_count: trades, closed: true,
    });
    const stored = async () => (await pool.query<{ trade_count: number; close: string }>("SELECT trade_count::int AS trade_count, close::text FROM candles WHERE symbol = 'BTCUSDT-PERP'")).rows;
    await store.upsert([candle(1128, '100.5')]);
    await store.upsert([candle(1071, '100.2')]);
    assert.deepEqual(await stored(), [{ trade_count: 1128, close: '100.5' }]);
    await store.upsert([candle(1130, '100.7')]);
    await store.upsert([candle(1130, '100.7')]);
    assert.deepEqual(await stored(), [{ trade_count: 1130, close: '100.7' }]);
  });

  it('are idempotent: a second run applies nothing and changes nothing', async () => {
    const before1 = await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
    await migrateAll(cfg, pool, log);
    const after1 = await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
    assert.deepEqual(after1.rows, before1.rows);
    const rs = await adminCh.query({ query: `SELECT count() AS n FROM ${name}.schema_migrations`, format: 'JSONEachRow' });
    const [{ n }] = await rs.json<{ n: string }>();
    const files = (await import('node:fs')).readdirSync(join(MIGRATIONS_DIR, 'clickhouse')).filter((f) => f.endsWith('.sql'));
    assert.equal(Number(n), files.length);
  });

  it('refuse to run when an applied migration was edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(join(dir, 'postgres', '0001_instruments.sql'), '-- edited\nSELECT 1;');
    await assert.rejects(migrateAll(cfg, pool, log, dir), /0001_instruments was changed after it was applied/);
  });
});
