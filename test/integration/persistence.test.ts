import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { candlesFromTrades } from '../../src/domain/candle.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { candleView } from '../../src/domain/wire-views.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { listings } from '../../src/sim/instruments.js';
import { createClickHouse } from '../../src/store/clickhouse.js';
import { createPostgresPool } from '../../src/store/postgres.js';
import { readTopics } from '../support/kafka.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { stack, waitUntil } from '../support/stack.js';

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
    const db = `md_${prefix.replace(/\W/g, '')}`;
    const admin = createPostgresPool(cfg.postgresUrl, createLogger('silent'));
    await admin.query(`CREATE DATABASE ${db}`);
    const storeEnv = { ...env, CLICKHOUSE_URL: `${cfg.clickhouse.url}/${db}`, POSTGRES_URL: cfg.postgresUrl.replace(/\/[^/]+$/, `/${db}`) };
    const svc = await startService(storeEnv);
    const ch = createClickHouse(cfg.clickhouse, 'default');
    const candlesDb = createPostgresPool(storeEnv.POSTGRES_URL, createLogger('silent'));
    try {
      const seconds = Math.ceil((2 * OUTAGE_MS + 12_000) / 1000);
      // 60 engine seconds per wall second: 1m candles close every second
      const sim = runSim(['--symbols', '2', '--rate', '800', '--duration', String(seconds), '--seed', '61', '--engine-speed', '60', '--start-time', String(Date.UTC(2026, 1, 1))], storeEnv);
      await sleep(3000);
      await stack('stop', 'postgres');
      await sleep(OUTAGE_MS);
      await stack('start', 'postgres');
      await sleep(2000);
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
      await waitUntil(
        'every trade in ClickHouse',
        async () => {
          const rs = await ch.query({ query: `SELECT count() AS n FROM ${db}.trades FINAL`, format: 'JSONEachRow' });
          return Number((await rs.json<{ n: string }>())[0]!.n) >= summary.trades;
        },
        60_000,
        1000,
      );
      const rs = await ch.query({
        query: `SELECT trade_id, symbol, toString(price) AS price, toString(quantity) AS quantity, ts_ms, sequence FROM ${db}.trades FINAL ORDER BY symbol, sequence`,
        format: 'JSONEachRow',
      });
      const rows = await rs.json<{ trade_id: string; symbol: string; price: string; quantity: string; ts_ms: string; sequence: string }>();
      assert.equal(rows.length, summary.trades, 'exactly once');
      assert.deepEqual(new Set(rows.map((r) => r.trade_id)), published);

      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_store_write_failures_total\{repository="pg_candles"\} [1-9]/, 'the PostgreSQL outage was felt');
      assert.match(metrics, /md_store_write_failures_total\{repository="ch_trades"\} [1-9]/, 'the ClickHouse outage was felt');

      let compared = 0;
      for (const symbol of symbols) {
        const inst = makeInstrument(listings(2).find((l) => l.spec.symbol === symbol)!.spec);
        const trades = rows.filter((r) => r.symbol === symbol).map((r) => ({ price: inst.tick.toUnits(r.price), quantity: inst.lot.toUnits(r.quantity), ts: Number(r.ts_ms) }));
        const stored = (
          await candlesDb.query(
            `SELECT symbol, interval, open_time, close_time, open::text, high::text, low::text, close::text, volume::text, quote_volume::text, trade_count
             FROM candles WHERE symbol = $1 AND interval = '1m' ORDER BY open_time`,
            [symbol],
          )
        ).rows;
        assert.ok(stored.length >= 20, `${stored.length} stored 1m candles`);
        const until = Number(stored[stored.length - 1].close_time) + 1;
        const expected = candlesFromTrades(trades, '1m', until).map((c) => candleView(inst, c));
        assert.equal(stored.length, expected.length, `${symbol}: every 1m candle stored`);
        stored.forEach((row, i) => {
          const e = expected[i]!;
          assert.deepEqual(
            [row.open_time, row.open, row.high, row.low, row.close, row.volume, row.quote_volume, row.trade_count].map(String),
            [e.open_time, e.open, e.high, e.low, e.close, e.volume, e.quote_volume, e.trade_count].map(String),
            `${symbol} candle at ${e.open_time}`,
          );
        });
        compared += stored.length;
      }
      assert.ok(compared > 0);
    } finally {
      await svc.stop();
      await candlesDb.end();
      await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
      await ch.close();
      await admin.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
      await admin.end();
    }
  });
});
