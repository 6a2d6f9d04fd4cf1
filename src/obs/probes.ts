import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { ClickHouseClient } from '../store/clickhouse.js';
import type { Probe } from './health.js';

/** One cheap round trip per dependency, in the protocol the service itself uses with it. */
export function dependencyProbes(d: {
  kafkaAdmin: Admin;
  schemaRegistryUrl: string;
  clickhouse: ClickHouseClient;
  postgres: pg.Pool;
  redis: Redis;
}): Record<string, Probe> {
  return {
    kafka: async () => {
      await d.kafkaAdmin.connect();
      const cluster = await d.kafkaAdmin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no brokers in cluster metadata');
    },
    schema_registry: async () => {
      const res = await fetch(`${d.schemaRegistryUrl}/subjects`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await res.arrayBuffer();
    },
    clickhouse: async () => {
      const r = await d.clickhouse.ping();
      if (!r.success) throw r.error;
    },
    postgres: () => d.postgres.query('SELECT 1'),
    redis: async () => {
      if (d.redis.status !== 'ready') throw new Error(`connection ${d.redis.status}`);
      await d.redis.ping();
    },
  };
}
