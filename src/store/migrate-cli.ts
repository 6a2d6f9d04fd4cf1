// `make migrate`: apply pending PostgreSQL and ClickHouse migrations, then exit.
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../obs/logger.js';
import { migrateAll } from './migrate.js';
import { createPostgresPool } from './postgres.js';

try {
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel);
  const pool = createPostgresPool(cfg.postgresUrl, log);
  try {
    await migrateAll(cfg, pool, log);
  } finally {
    await pool.end();
  }
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? '' : 'migrate: '}${(err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
