import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';

export type { ClickHouseClient };

/** A ClickHouse HTTP client bound to the service's database (created by the migrations runner). */
export function createClickHouse(cfg: Config['clickhouse'], database = cfg.database): ClickHouseClient {
  return createClient({
    url: cfg.url,
    database,
    // A server that is shutting down can hold a request without answering: fail it and retry (writes are idempotent).
    request_timeout: 10000,
    compression: { request: false, response: false },
    clickhouse_settings: {},
    // Failures reach the caller, which logs them once as JSON (pino) and retries: no raw stderr dumps.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** A value as a TabSeparated field: strings lose tabs, newlines and backslashes (never in our data). */
const tsvField = (v: string | number): string => (typeof v === 'number' ? String(v) : v.replace(/[\t\n\\]/g, ' '));

/** A ClickHouse array of exact decimals in TabSeparated form: [1.5,2]. */
export const tsvDecimalArray = (values: readonly string[]): string => `[${values.join(',')}]`;

/**
 * Inserts rows as TabSeparated text, so decimals stay exact strings (ClickHouse 18.16 refuses
 * quoted decimals in JSONEachRow).
 */
export async function insertTsv(ch: ClickHouseClient, table: string, columns: readonly string[], rows: readonly (readonly (string | number)[])[]): Promise<void> {
  if (rows.length === 0) return;
  const text = `${rows.map((r) => r.map(tsvField).join('\t')).join('\n')}\n`;
  await ch.insert({ table, values: Readable.from([text], { objectMode: false }), format: 'TabSeparated', columns: [...columns] as [string, ...string[]] });
}

const DAY_MS = 86_400_000;
let lastDay = NaN;
let lastDate = '';

/** The UTC date of an epoch-ms time, for Date partition columns (one row after another is nearly always the same day: formatted once per day). */
export function utcDate(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    lastDate = new Date(day * DAY_MS).toISOString().slice(0, 10);
    lastDay = day;
  }
  return lastDate;
}
