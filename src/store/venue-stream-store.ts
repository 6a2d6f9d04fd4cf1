// The venue streams in PostgreSQL: one row per stream, written by the control API, read at start.
import type pg from 'pg';
import type { StreamSpec } from '../venues/stream-spec.js';

/** A row as stored: checked again (parseStreamSpec) before it runs. */
export type StoredStream = Omit<StreamSpec, 'kind'> & { kind: string };

export class VenueStreamStore {
  constructor(private readonly pool: pg.Pool) {}

  async all(): Promise<StoredStream[]> {
    const r = await this.pool.query('SELECT id, venue, symbol, kind, depth, persist, publish FROM venue_streams ORDER BY created_at, id');
    return r.rows;
  }

  async save(s: StreamSpec): Promise<void> {
    await this.pool.query(
      `INSERT INTO venue_streams (id, venue, symbol, kind, depth, persist, publish) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET depth = EXCLUDED.depth, persist = EXCLUDED.persist, publish = EXCLUDED.publish, updated_at = now()`,
      [s.id, s.venue, s.symbol, s.kind, s.depth, s.persist, s.publish],
    );
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM venue_streams WHERE id = $1', [id]);
  }
}
