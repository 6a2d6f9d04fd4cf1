import { join } from 'node:path';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../obs/logger.js';
import { repoPath } from '../paths.js';
import { createClickHouse } from './clickhouse.js';
import { loadMigrations, migrateClickHouse, migratePostgres } from './migrations.js';

export const MIGRATIONS_DIR = repoPath('migrations');

/** Applies pending PostgreSQL and ClickHouse migrations; logs what it applied. */
export async function migrateAll(cfg: Config, pool: pg.Pool, log: Logger, dir = MIGRATIONS_DIR): Promise<void> {
  const pgDone = await migratePostgres(pool, await loadMigrations(join(dir, 'postgres')));
  const admin = createClickHouse(cfg.clickhouse, 'default');
  try {
    const chDone = await migrateClickHouse(admin, cfg.clickhouse.database, await loadMigrations(join(dir, 'clickhouse')));
    log.info({ postgres: pgDone, clickhouse: chDone }, pgDone.length + chDone.length ? 'migrations applied' : 'migrations up to date');
  } finally {
    await admin.close();
  }
}
