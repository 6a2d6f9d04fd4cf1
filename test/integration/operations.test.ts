import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import type { WireEngineEvent } from '../../src/contract/engine-wire.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { FakeExchanges } from '../../src/sim/exchanges.js';
import { readTopics } from '../support/kafka.js';
import { promSample as sample } from '../support/metrics.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { waitUntil } from '../support/stack.js';
import { testStores } from '../support/stores.js';
import { TestClient } from '../support/ws-client.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-operations', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOL = 'BTCUSDT-PERP';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP endpoint (JSON encoding, what the service's exporter sends): keeps every span it is given. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, server };
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (Object.values(v)[0] as unknown);
};


/** Waits until the service lists the simulator's symbol (subscribing before that is an unknown_symbol error). */
const listed = (baseUrl: string) =>
  waitUntil(`${SYMBOL} listed`, async () => ((await (await fetch(`${baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] }).symbols.some((s) => s.symbol === SYMBOL), 30_000, 100);

describe('operations (real Kafka, ClickHouse, PostgreSQL, an OTLP/HTTP endpoint)', () => {
  it('traces the span names of DESIGN.md with trace_id in the log lines, and every DESIGN.md metric moves under load', async () => {
    const otlp = await otlpReceiver();
    const fake = new FakeExchanges(11);
    const exchangesPort = await fake.start();
    const { prefix, env } = isolatedEnv({
      TRACING_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp.url,
      TRACE_SAMPLE_RATIO: '0.01',
      LOG_LEVEL: 'debug',
      PRICING_ENABLED: 'true',
      INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${exchangesPort}`,
      INDEX_POLL_MS: '250',
    });
    const stores = await testStores(prefix);
    const svc = await startService({ ...env, ...stores.env });
    const client = new TestClient(`ws://127.0.0.1:${svc.httpPort}/ws`);
    try {
      // 60 engine seconds per wall second: 1m candles close every second; a few sequence gaps
      const sim = runSim(['--symbols', '2', '--rate', '1000', '--duration', '12', '--seed', '21', '--engine-speed', '60', '--gap-rate', '0.0005'], env);
      await listed(svc.baseUrl);
      await client.opened;
      for (const channel of ['book', 'trades', 'mark']) client.send({ op: 'subscribe', channel, symbol: SYMBOL });
      await sim;
      await waitUntil('spans of every kind exported', async () => {
        const names = new Set(otlp.spans.map((s) => s.name));
        return ['md.process_trade', 'md.process_book_delta', 'md.compute_mark', 'md.compute_index', 'md.broadcast_ws', 'md.persist_candle'].every((n) => names.has(n));
      }, 15_000, 500).catch((err: Error) => {
        throw new Error(`${err.message}: got ${[...new Set(otlp.spans.map((s) => s.name))].join(', ')}`);
      });

      // per-event spans are sampled (1 in 100), with the event's fields
      const processed = otlp.spans.filter((s) => s.name === 'md.process_trade' || s.name === 'md.process_book_delta');
      const events = Number(sample(await (await fetch(`${svc.baseUrl}/metrics`)).text(), `md_kafka_messages_consumed_total{topic="${prefix}engine.event.v1"}`));
      assert.ok(processed.length >= events / 200 && processed.length <= events / 50, `${processed.length} event spans for ${events} events`);
      const trade = otlp.spans.find((s) => s.name === 'md.process_trade')!;
      assert.equal(attr(trade, 'event_type'), 'TRADE');
      assert.match(String(attr(trade, 'symbol')), /USDT/);
      assert.ok(Number(attr(trade, 'sequence')) > 0);
      assert.ok(Number(attr(trade, 'latency_us')) >= 0);
      // a broadcast continues the trace of an event it carried
      const byId = new Map(processed.map((s) => [s.spanId, s]));
      assert.ok(
        otlp.spans.some((s) => s.name === 'md.broadcast_ws' && s.parentSpanId && byId.get(s.parentSpanId)?.traceId === s.traceId),
        'an md.broadcast_ws span is the child of a sampled event',
      );

      // logs: JSON, the traced event's fields and its trace_id; nothing per message at info level
      const lines = svc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const traceIds = new Set(processed.map((s) => s.traceId));
      const tracedLine = lines.find((l) => l.msg === 'engine event processed' && traceIds.has(String(l.trace_id)));
      assert.ok(tracedLine, 'a debug line carries the trace_id of an exported span');
      for (const f of ['symbol', 'event_type', 'sequence', 'latency_us', 'span_id']) assert.ok(f in tracedLine, `log line has ${f}`);
      const infoOrAbove = lines.filter((l) => Number(l.level) >= 30);
      const byMsg = new Map<string, number>();
      for (const l of infoOrAbove) byMsg.set(String(l.msg), (byMsg.get(String(l.msg)) ?? 0) + 1);
      assert.ok(infoOrAbove.length < 40, `${infoOrAbove.length} lines at info or above for ${events} events: ${JSON.stringify([...byMsg])}; first: ${JSON.stringify(infoOrAbove.filter((l) => Number(l.level) >= 40).slice(0, 3))}`);

      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      const moved = (series: string) => assert.ok((sample(metrics, series) ?? 0) > 0, `${series} moved`);
      moved(`md_ingest_lag_ms_count{topic="${prefix}engine.event.v1"}`);
      assert.ok(sample(metrics, `md_ingest_lag_ms_bucket{le="0.1",topic="${prefix}engine.event.v1"}`) !== undefined, 'sub-millisecond buckets');
      assert.match(metrics, /^md_seq_gap_total\{symbol="[A-Z]+USDT-PERP"\} [1-9]\d*$/m);
      // per-symbol series exist from the moment a symbol is known, at 0 when nothing happened
      for (const series of ['md_ingest_duplicates_total', 'md_seq_gap_total', 'md_ohlcv_late_trades_total']) {
        assert.ok(sample(metrics, `${series}{symbol="${SYMBOL}"}`) !== undefined, `${series} of ${SYMBOL} exposed`);
      }
      assert.ok(sample(metrics, `md_book_resyncs_total{symbol="${SYMBOL}",reason="hash_mismatch"}`) !== undefined, 'resyncs by reason exposed');
      assert.ok(sample(metrics, `md_ohlcv_candles_closed_total{symbol="${SYMBOL}",interval="1d"}`) !== undefined, 'every interval exposed');
      moved('md_ws_clients');
      moved(`md_snapshot_latency_ms_count{symbol="${SYMBOL}"}`);
      moved(`md_kafka_messages_consumed_total{topic="${prefix}engine.event.v1"}`);
      moved('md_db_query_duration_ms_count{repository="ch_trades"}');
      moved('md_db_query_duration_ms_count{repository="pg_candles"}');
      moved('md_db_query_duration_ms_count{repository="pg_pricing_history"}');
      moved(`md_ohlcv_candles_closed_total{symbol="${SYMBOL}",interval="1m"}`);
      assert.match(metrics, /^md_index_price_source_staleness_ms\{exchange="binance"\} \d+/m);
      for (const d of ['process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) moved(d);
    } finally {
      await client.close();
      await svc.stop();
      await fake.stop();
      otlp.server.close();
      await stores.drop();
    }
  });

  it('SIGTERM under load: clients get 1001, everything consumed is stored and committed, and nothing is lost across the restart', async () => {
    const fake = new FakeExchanges(12);
    const exchangesPort = await fake.start();
    const { prefix, env } = isolatedEnv({ PRICING_ENABLED: 'true', INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${exchangesPort}`, INDEX_POLL_MS: '250', SHUTDOWN_DRAIN_TIMEOUT_MS: '15000', LOG_LEVEL: 'info' });
    const stores = await testStores(prefix);
    const svcEnv = { ...env, ...stores.env };
    let svc = await startService(svcEnv).catch(async (err: Error) => {
      // nothing else is left running (the file would otherwise wait for the stand-ins until its timeout)
      await Promise.allSettled([fake.stop(), stores.drop()]);
      throw err;
    });
    const client = new TestClient(`ws://127.0.0.1:${svc.httpPort}/ws`);
    try {
      const sim = runSim(['--symbols', '2', '--rate', '2000', '--duration', '16', '--seed', '31'], env);
      await listed(svc.baseUrl);
      await client.opened;
      for (const channel of ['trades', 'mark']) client.send({ op: 'subscribe', channel, symbol: SYMBOL });
      await waitUntil('trades and mark prices flowing to the client', async () => client.trades.length > 100 && client.latest.has(`mark/${SYMBOL}/`), 30_000, 100);
      await sleep(2000);

      const sent = Date.now();
      const code = await svc.stop('SIGTERM');
      const took = Date.now() - sent;
      assert.equal(code, 0, `exit code (service output: ${svc.output().slice(-1500)})`);
      assert.ok(took < 15_000, `exited within the drain timeout (${took} ms)`);
      await waitUntil('the client sees the close', async () => client.closed !== undefined, 5000, 50);
      assert.equal(client.closed!.code, 1001, 'WebSocket clients closed with 1001');

      // The service is gone: what it consumed is exactly what its committed offsets cover, and stored.
      const summary = await sim;
      // A transaction's offsets become readable once its commit markers are written, which the
      // broker does after answering the commit: read until they stop moving (the service is gone).
      const admin = kafka.admin();
      await admin.connect();
      const readCommitted = async () => JSON.stringify((await admin.fetchOffsets({ groupId: env.KAFKA_GROUP_ID!, topics: [`${prefix}engine.event.v1`] }))[0]!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!));
      let committed = await readCommitted();
      for (let same = 0; same < 3; ) {
        await sleep(300);
        const again = await readCommitted();
        same = again === committed ? same + 1 : 0;
        committed = again;
      }
      await admin.disconnect();
      const upTo = new Map(JSON.parse(committed) as [number, number][]);
      const consumedTrades = new Set<string>();
      const tradeAt = new Map<string, string>();
      for (const m of await readTopics(kafka, [`${prefix}engine.event.v1`])) {
        const e = await decoder.decode<WireEngineEvent>(m.value);
        if (e.kind !== 'TRADE') continue;
        tradeAt.set(e.trade!.trade_id, `${m.partition}@${m.offset}`);
        if (Number(m.offset) < (upTo.get(m.partition) ?? 0)) consumedTrades.add(e.trade!.trade_id);
      }
      const storedAtStop = new Set((await stores.trades()).map((t) => t.trade_id));
      assert.ok(consumedTrades.size > 100 && consumedTrades.size < summary.trades, `stopped mid-run (${consumedTrades.size} of ${summary.trades} trades committed)`);
      const where = (ids: string[]) => ids.slice(0, 10).map((id) => `${id} (${tradeAt.get(id) ?? 'not on the topic'})`).join(', ');
      const extra = [...storedAtStop].filter((id) => !consumedTrades.has(id));
      const missing = [...consumedTrades].filter((id) => !storedAtStop.has(id));
      assert.deepEqual(
        { extra: extra.length, missing: missing.length },
        { extra: 0, missing: 0 },
        `ClickHouse holds exactly the trades below the committed offsets ${committed}: stored beyond them ${where(extra)}; not stored ${where(missing)} (service said: ${svc.output().split('\n').filter((l) => /shutting down|stopped|transaction|flush|rebalance|paused|group|"level":[45]0/.test(l)).join('\n').slice(-6000)})`,
      );
      const unseen = client.trades.filter((t) => !storedAtStop.has(t.id));
      assert.deepEqual(unseen.map((t) => t.id), [], `every trade a client was sent is stored (service output: ${svc.output().slice(-3000)})`);
      const lastMark = client.latest.get(`mark/${SYMBOL}/`)?.data as { timestamp: number } | undefined;
      assert.ok(lastMark, 'the client had mark prices');
      const pgMark = await stores.pg.query('SELECT max(ts_ms)::bigint AS ts FROM mark_prices WHERE symbol = $1', [SYMBOL]);
      assert.ok(Number(pgMark.rows[0].ts) >= lastMark.timestamp, 'the last mark price a client saw is in PostgreSQL (buffer flushed)');

      // started again, it takes over from the committed offsets: every trade once
      svc = await startService(svcEnv);
      await stores.waitForTrades(summary.trades, 120_000);
      const rows = await stores.trades();
      assert.equal(rows.length, summary.trades);
      assert.equal(new Set(rows.map((r) => r.trade_id)).size, summary.trades, 'each trade once');
    } finally {
      await client.close();
      await svc.stop();
      await fake.stop();
      await stores.drop();
    }
  });
});
