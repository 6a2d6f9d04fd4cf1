import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import type { FundingView, IndexView, MarkView } from '../../src/pricing/pricing-worker.js';
import { MAPPERS } from '../../src/pricing/sources.js';
import { EXCHANGES, FakeExchanges } from '../../src/sim/exchanges.js';
import { readTopics } from '../support/kafka.js';
import { isolatedEnv, startService } from '../support/service.js';
import { testStores } from '../support/stores.js';
import { startSim, type RunningSim } from '../support/sim.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-pricing', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until /metrics shows a fresh quote (age 0..1000 ms) from every index source. */
async function waitForAllSources(baseUrl: string, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await (await fetch(`${baseUrl}/metrics`)).text();
    const ages = EXCHANGE_IDS.map((e) => Number(new RegExp(`md_index_price_source_staleness_ms\\{exchange="${e}"\\} (-?\\d+)`).exec(last)?.[1]));
    if (ages.every((a) => a >= 0 && a <= 1000)) return;
    await sleep(250);
  }
  const gauges = last.split('\n').filter((l) => l.startsWith('md_index_')).join('\n');
  throw new Error(`index sources not all answering within ${timeoutMs} ms:\n${gauges}\nlog ${log().slice(-3000)}`);
}
const EXCHANGE_IDS = Object.keys(MAPPERS); // the index source ids, as the service labels them

describe('index, mark and funding through ccxt against local exchange stand-ins', () => {
  it('renormalises around stale, garbage and outlying sources, and marks everything stale when all are down', async () => {
    const fake = new FakeExchanges(7);
    const port = await fake.start();
    const { prefix, env } = isolatedEnv({
      PRICING_ENABLED: 'true',
      INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${port}`,
      INDEX_POLL_MS: '250',
      INDEX_STALE_MS: '1500',
    });
    const stores = await testStores(prefix);
    const svc = await startService({ ...env, ...stores.env });
    const phases: Record<string, [number, number]> = {};
    let sim: RunningSim | undefined;
    try {
      // long enough for a slow start; stopped once the phases are over
      sim = startSim(['--symbols', '1', '--rate', '300', '--duration', '300', '--seed', '3'], env, 400_000);
      const phase = async (name: string, ms: number) => {
        const start = Date.now();
        await sleep(ms);
        phases[name] = [start, Date.now()];
      };
      // the phases start once every source has answered (pricing starts after the ingest, which
      // on a loaded machine took longer than a fixed warm-up: the sources then hung before the first poll)
      await waitForAllSources(svc.baseUrl, 90_000, svc.output);
      await phase('all_ok', 4000);
      fake.setMode('okx', 'off');
      await phase('okx_outlier', 4000);
      fake.setMode('okx', 'ok');
      fake.setMode('coinbaseexchange', 'down');
      fake.setMode('kraken', 'garbage');
      await phase('two_broken', 4000);
      for (const e of EXCHANGES) fake.setMode(e, 'hang');
      await phase('all_down', 4000);
      sim.stop();
      await sim.done;

      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      // binance answered before it hung: its staleness is the age of its last quote, past the threshold
      const binanceAge = Number(/md_index_price_source_staleness_ms\{exchange="binance"\} (-?\d+)/.exec(metrics)?.[1]);
      assert.ok(binanceAge >= 1500, `binance staleness ${binanceAge} ms after 4 s of hanging; log ${svc.output().slice(-3000)}`);
      assert.match(metrics, /md_index_source_errors_total\{exchange="kraken",reason="[A-Za-z]+"\} \d+/);
      assert.match(metrics, /md_index_source_errors_total\{exchange="coinbase",reason="[A-Za-z]+"\} \d+/);

      // stopped first: a service still running publishes another value a second, after the topics
      // were read and before PostgreSQL is (this made the history comparison below flaky)
      assert.equal(await svc.stop(), 0);
      const indices = await Promise.all((await readTopics(kafka, [`${prefix}md.index.v1`])).map((m) => decoder.decode<IndexView>(m.value)));
      const marks = await Promise.all((await readTopics(kafka, [`${prefix}md.mark.v1`])).map((m) => decoder.decode<MarkView>(m.value)));
      const funding = await Promise.all((await readTopics(kafka, [`${prefix}md.funding.v1`])).map((m) => decoder.decode<FundingView>(m.value)));
      // judge each phase after the staleness threshold has passed (2 s margin)
      const during = <T extends { timestamp: number }>(xs: T[], name: string) => xs.filter((x) => x.timestamp >= phases[name]![0] + 2000 && x.timestamp <= phases[name]![1]);

      const ok = during(indices, 'all_ok');
      assert.ok(ok.length >= 1, 'index published every second');
      for (const i of ok) {
        assert.equal(i.index_symbol, 'BTCUSDT-INDEX');
        assert.deepEqual([...i.sources_used].sort(), ['binance', 'coinbase', 'kraken', 'okx']);
        assert.equal(i.stale, false);
        assert.ok(Math.abs(Number(i.price) - 64000) < 640, i.price!);
        assert.match(i.price!, /^\d+\.\d$/, 'in the perpetual tick decimals, as a string');
      }
      for (const i of during(indices, 'okx_outlier')) {
        assert.deepEqual([...i.sources_used].sort(), ['binance', 'coinbase', 'kraken']);
        assert.deepEqual(i.sources_excluded.map((e) => ({ ...e })), [{ source: 'okx', reason: 'outlier' }]);
      }
      for (const i of during(indices, 'two_broken')) {
        assert.deepEqual([...i.sources_used].sort(), ['binance', 'okx']);
        assert.deepEqual(i.sources_excluded.map((e) => `${e.source}:${e.reason}`).sort(), ['coinbase:stale', 'kraken:stale']);
      }
      const down = during(indices, 'all_down');
      assert.ok(down.length >= 1);
      for (const i of down) assert.deepEqual([i.stale, i.price, i.sources_used], [true, null, []]);

      // mark: fresh while the index is, then it keeps its last value and says it is stale
      const okMarks = during(marks, 'all_ok');
      assert.ok(okMarks.length >= 1 && okMarks.every((m) => !m.stale && m.mark_price !== null && m.index_price !== null));
      const staleMarks = during(marks, 'all_down');
      assert.ok(staleMarks.length >= 1 && staleMarks.every((m) => m.stale && m.index_price === null));
      const lastFresh = marks.filter((m) => !m.stale).pop()!;
      for (const m of staleMarks) assert.equal(m.mark_price, lastFresh.mark_price);

      // funding once per second, within the cap, counting down to the next funding time
      const f = during(funding, 'all_ok');
      assert.ok(f.length >= 1);
      for (const x of f) {
        assert.ok(Math.abs(Number(x.funding_rate)) <= 0.0075);
        assert.equal(x.interest_rate, '0.0001');
        assert.equal(x.next_funding_time % (8 * 3_600_000), 0);
        assert.equal(x.countdown_seconds, Math.ceil((x.next_funding_time - x.timestamp) / 1000));
      }

      // history: the graceful stop above wrote what waited; every published value is in PostgreSQL once
      const pgMarks = (await stores.pg.query('SELECT symbol, ts_ms, mark_price::text AS mark_price, stale FROM mark_prices ORDER BY ts_ms')).rows;
      if (pgMarks.length !== marks.length) console.error(svc.output().slice(-4000), pgMarks.length, marks.length);
      assert.deepEqual(
        pgMarks.map((r) => [r.symbol, Number(r.ts_ms), r.mark_price, r.stale]),
        marks.map((m) => [m.symbol, m.timestamp, m.mark_price, m.stale]),
        'mark history equals md.mark.v1',
      );
      const pgIndex = (await stores.pg.query('SELECT count(*)::int AS n, count(price)::int AS priced FROM index_prices')).rows[0];
      assert.deepEqual([pgIndex.n, pgIndex.priced], [indices.length, indices.filter((i) => i.price !== null).length], 'index history');
      const pgFunding = (await stores.pg.query('SELECT count(*)::int AS n FROM funding_rates')).rows[0];
      assert.equal(pgFunding.n, funding.length, 'funding history');
      // the raw quotes behind the index: every source while it answered, exact decimals
      const quotes = await (
        await stores.ch.query({ query: `SELECT source, count() AS n, toString(min(price)) AS lo FROM ${stores.database}.index_quotes FINAL GROUP BY source ORDER BY source`, format: 'JSONEachRow' })
      ).json<{ source: string; n: string; lo: string }>();
      assert.deepEqual(quotes.map((q) => q.source), ['binance', 'coinbase', 'kraken', 'okx']);
      for (const q of quotes) {
        assert.ok(Number(q.n) >= 10, `${q.source}: ${q.n} raw quotes`);
        assert.ok(Math.abs(Number(q.lo) - 64000) < 6400, `${q.source} ${q.lo}`);
      }
    } finally {
      sim?.stop(); // a failure before the phases ended leaves it running
      await sim?.done.catch(() => undefined);
      await svc.stop();
      await fake.stop();
      await stores.drop();
    }
  });
});
