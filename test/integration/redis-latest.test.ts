import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import type { WireBookSnapshot } from '../../src/contract/engine-wire.js';
import { engineTopics, RECORD_NAME } from '../../src/contract/topics.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { FakeExchanges } from '../../src/sim/exchanges.js';
import { createRedis } from '../../src/store/redis.js';
import { BOOK_DEPTH, RedisLatestReader } from '../../src/store/redis-latest.js';
import { readTopics } from '../support/kafka.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { stack, waitUntil } from '../support/stack.js';

const cfg = loadConfig();
const log = createLogger('silent');
const kafka = createKafka(cfg.kafkaBrokers, 'test-redis-latest', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const OUTAGE_MS = Number(process.env.STORE_OUTAGE_MS ?? 30_000);

describe('Redis latest values (real Redis)', () => {
  it('hold each book top 50, ticker, mark, index and funding, and catch up after a 30 s Redis outage', async () => {
    const fake = new FakeExchanges(3);
    const port = await fake.start();
    const { prefix, env } = isolatedEnv({
      PRICING_ENABLED: 'true',
      INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${port}`,
    });
    const svc = await startService(env);
    const redis = createRedis(cfg.redisUrl, log);
    const reader = new RedisLatestReader(redis, prefix);
    try {
      const seconds = Math.ceil((OUTAGE_MS + 10_000) / 1000);
      const sim = runSim(['--symbols', '3', '--rate', '1000', '--duration', String(seconds), '--seed', '51'], env);
      await new Promise((r) => setTimeout(r, 3000));
      await stack('stop', 'redis'); // writes wait while Redis is down ...
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await stack('start', 'redis'); // ... and catch up once it is back
      const summary = await sim;

      const engine = new Map<string, WireBookSnapshot>();
      for (const m of await readTopics(kafka, [engineTopics(prefix).snapshots])) {
        const s = await decoder.decode<WireBookSnapshot>(m.value, RECORD_NAME.snapshots);
        if ((engine.get(s.symbol)?.sequence ?? -1) <= s.sequence) engine.set(s.symbol, s);
      }
      for (const [symbol, { sequence }] of Object.entries(summary.final)) {
        assert.equal(engine.get(symbol)?.sequence, sequence, `${symbol}: the engine's final snapshot was read`);
      }
      await waitUntil(
        'Redis books at the engine final sequence',
        async () => {
          for (const [symbol, snap] of engine) {
            const b = await reader.book(symbol).catch(() => undefined);
            if (!b || b.sequence !== snap.sequence) return false;
            assert.deepEqual(b.bids, snap.bids.slice(0, BOOK_DEPTH).map((l) => [l.price, l.quantity]));
            assert.deepEqual(b.asks, snap.asks.slice(0, BOOK_DEPTH).map((l) => [l.price, l.quantity]));
            assert.equal(b.status, 'in_sync');
          }
          return true;
        },
        30_000,
      );
      for (const symbol of Object.keys(summary.final)) {
        const t = await reader.ticker(symbol);
        assert.ok(t && Number(t.trade_count) > 0 && typeof t.volume === 'string', JSON.stringify(t));
      }
      const mark = await reader.mark('BTCUSDT-PERP');
      assert.ok(mark && typeof mark.mark_price === 'string', JSON.stringify(mark));
      assert.ok((await reader.index('BTCUSDT-INDEX'))?.price);
      assert.ok((await reader.funding('BTCUSDT-PERP'))?.funding_rate);
      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_db_query_duration_ms_count\{repository="redis_latest"\} \d+/);
    } finally {
      await redis.quit().catch(() => undefined);
      await svc.stop();
      await fake.stop();
    }
  });
});
