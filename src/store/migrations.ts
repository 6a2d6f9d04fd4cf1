import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { ClickHouseClient } from './clickhouse.js';

/**
 * Versioned SQL migrations: files named `NNNN_description.sql` under migrations/postgres and
 * migrations/clickhouse, applied in order, each recorded in a version table with its checksum.
 * Applying is idempotent; editing a migration that was already applied is an error.
 */
export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file ${join(dir, file)} must be named NNNN_description.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    out.push({ version: m[1]!, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16) });
  }
  const dup = out.find((m, i) => i > 0 && out[i - 1]!.version === m.version);
  if (dup) throw new MigrationError(`two migrations in ${dir} share version ${dup.version}`);
  return out;
}

/** Splits a file into statements at semicolons that end a line (ClickHouse's HTTP API takes one at a time). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

function checkApplied(applied: Map<string, string>, migrations: Migration[], store: string): Migration[] {
  for (const m of migrations) {
    const sum = applied.get(m.version);
    if (sum !== undefined && sum !== m.checksum) {
      throw new MigrationError(`${store} migration ${m.version}_${m.name} was changed after it was applied; add a new migration instead`);
    }
  }
  return migrations.filter((m) => !applied.has(m.version));
}

/** PostgreSQL: each migration in its own transaction, under an advisory lock so concurrent instances take turns. */
export async function migratePostgres(pool: pg.Pool, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  const done: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(727274)');
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const pending = checkApplied(new Map(rows.map((r) => [r.version, r.checksum])), migrations, 'postgres');
    for (const m of pending) {
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
        done.push(`${m.version}_${m.name}`);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`postgres migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    client.release();
  }
  return done;
}

/**
 * ClickHouse has no transactions: statements must be idempotent (IF NOT EXISTS), so a migration
 * interrupted half-way is simply run again. `admin` is a client without a default database.
 */
export async function migrateClickHouse(admin: ClickHouseClient, database: string, migrations: Migration[]): Promise<string[]> {
  const db = database;
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await admin.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version String, name String, checksum String, applied_at DateTime)
            ENGINE = MergeTree ORDER BY version`,
  });
  const rs = await admin.query({ query: `SELECT version, checksum FROM ${db}.schema_migrations`, format: 'JSONEachRow' });
  const rows = await rs.json<{ version: string; checksum: string }>();
  const pending = checkApplied(new Map(rows.map((r) => [r.version, r.checksum])), migrations, 'clickhouse');
  const done: string[] = [];
  for (const m of pending) {
    for (const stmt of splitStatements(m.sql.replaceAll('{db}', db))) {
      try {
        await admin.command({ query: stmt });
      } catch (err) {
        throw new MigrationError(`clickhouse migration ${m.version}_${m.name} failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    await admin.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name, checksum: m.checksum, applied_at: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
    done.push(`${m.version}_${m.name}`);
  }
  return done;
}
