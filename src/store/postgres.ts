import pg from 'pg';
import type { Logger } from '../obs/logger.js';

/** A pg Pool; connection errors on idle clients are logged, never thrown (they would kill the process). */
export function createPostgresPool(url: string, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    application_name: 'market-data',
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'postgres idle client error'));
  return pool;
}
