import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../support/kafka.js';
import { promSample } from '../support/metrics.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { stack, waitUntil } from '../support/stack.js';
import { assertCandlesExact, simInstrument, testStores } from '../support/stores.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-persistence', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_MS = Number(process.env.STORE_OUTAGE_MS ?? 30_000);


describe('persistence through store outages (real ClickHouse, PostgreSQL, Kafka)', () => {
  it('after PostgreSQL and then ClickHouse are down 30 s each under load: every trade stored once, every closed candle exact', async (t) => {
    const status = await stack('status', 'postgres').catch((e: { stdout?: string }) => e.stdout ?? '');
    if (/^(postgres|clickhouse) .*not started by this stack/m.test(status)) {
      t.skip('PostgreSQL or ClickHouse was not started by this checkout\'s stack; cannot stop it');
      return;
    }
    const { prefix, env } = isolatedEnv();
    const stores = await testStores(prefix);
    const storeEnv = { ...env, ...stores.env };
    const svc = await startService(storeEnv);
    try {
      const seconds = Math.ceil((2 * OUTAGE_MS + 25_000) / 1000);
      // 60 engine seconds per wall second: 1m candles close every second
      const sim = runSim(['--symbols', '2', '--rate', '800', '--duration', String(seconds), '--seed', '61', '--engine-speed', '60', '--start-time', String(Date.UTC(2026, 1, 1))], storeEnv);
      await sleep(3000);
      await stack('stop', 'postgres');
      await sleep(OUTAGE_MS);
      await stack('start', 'postgres');
      // the drain waits on PostgreSQL until its retries get through: only then do new writes reach
      // ClickHouse, so its outage starts once some have (else on a slow machine it is not felt)
      const chWrites = async () => promSample(await (await fetch(`${svc.baseUrl}/metrics`)).text(), 'md_db_query_duration_ms_count{repository="ch_trades"}') ?? 0;
      const before = await chWrites();
      await waitUntil('ClickHouse writes after the PostgreSQL outage', async () => (await chWrites()) >= before + 2, 60_000, 200);
      await stack('stop', 'clickhouse');
      await sleep(OUTAGE_MS);
      await stack('start', 'clickhouse');
      const summary = await sim;

      const symbols = Object.keys(summary.final);
      // the outages held the pipeline back: wait for the backlog to drain through md.trades
      const published = new Set<string>();
      await waitUntil(
        'every trade published to md.trades',
        async () => {
          published.clear();
          for (const s of symbols) {
            for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${s}`])) published.add((await decoder.decode<{ trade_id: string }>(m.value)).trade_id);
          }
          return published.size >= summary.trades;
        },
        120_000,
        2000,
      );
      assert.equal(published.size, summary.trades, 'every trade published');
      await stores.waitForTrades(summary.trades);
      const rows = await stores.trades();
      assert.equal(rows.length, summary.trades, 'exactly once');
      assert.deepEqual(new Set(rows.map((r) => r.trade_id)), published);

      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_store_write_failures_total\{repository="pg_candles"\} [1-9]/, 'the PostgreSQL outage was felt');
      assert.match(metrics, /md_store_write_failures_total\{repository="ch_trades"\} [1-9]/, 'the ClickHouse outage was felt');

      let compared = 0;
      for (const symbol of symbols) compared += await assertCandlesExact(stores.pg, simInstrument(symbol, 2), rows, '1m', 20);
      assert.ok(compared > 0);
    } finally {
      await svc.stop();
      await stores.drop();
    }
  });
});
