import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../obs/logger.js';
import { repoPath } from '../paths.js';
import { createClickHouse } from './clickhouse.js';
import { loadMigrations, migrateClickHouse, migratePostgres } from './migrations.js';

export const MIGRATIONS_DIR = repoPath('migrations');

/** Creates the PostgreSQL database of POSTGRES_URL when it does not exist yet (ClickHouse's is created by its migrations). */
export async function ensurePostgresDatabase(url: string, log: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: database does not exist
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`POSTGRES_URL names database ${JSON.stringify(name)}, which cannot be created safely`);
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    log.info({ database: name }, 'postgres database created');
  } finally {
    await admin.end();
  }
}

/** Applies pending PostgreSQL and ClickHouse migrations; logs what it applied. */
export async function migrateAll(cfg: Config, pool: pg.Pool, log: Logger, dir = MIGRATIONS_DIR): Promise<void> {
  await ensurePostgresDatabase(cfg.postgresUrl, log);
  const pgDone = await migratePostgres(pool, await loadMigrations(join(dir, 'postgres')));
  const admin = createClickHouse(cfg.clickhouse, 'default');
  try {
    const chDone = await migrateClickHouse(admin, cfg.clickhouse.database, await loadMigrations(join(dir, 'clickhouse')));
    log.info({ postgres: pgDone, clickhouse: chDone }, pgDone.length + chDone.length ? 'migrations applied' : 'migrations up to date');
  } finally {
    await admin.close();
  }
}
