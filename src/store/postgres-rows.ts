// Multi-row parameterised INSERT statements for pg (never values in the SQL text).
import type pg from 'pg';

/** PostgreSQL accepts at most 65,535 parameters per statement: rows go in chunks below that. */
const MAX_PARAMS = 30_000;

/** Inserts `rows` (values in `columns` order) with `INSERT ... VALUES ... <conflict>`, chunked. */
export async function insertRows(pool: pg.Pool, table: string, columns: readonly string[], rows: readonly unknown[][], conflict: string): Promise<void> {
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let i = 0; i < rows.length; i += perChunk) {
    const params: unknown[] = [];
    const values = rows.slice(i, i + perChunk).map((r) => {
      const base = params.length;
      params.push(...r);
      return `(${columns.map((_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await pool.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ${conflict}`, params);
  }
}
