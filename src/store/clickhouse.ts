import { createClient, type ClickHouseClient } from '@clickhouse/client';
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
  });
}
