// The composition root: the one place that builds every part of the service and wires them together.
import './ingest/kafkajs-linear-grouping.js'; // first: before kafkajs loads (see the file)
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp, listen, registerNotFound, registerOpsRoutes } from './api/http-server.js';
import { mdTopics } from './contract/topics.js';
import { Ingest } from './ingest/ingest.js';
import { PricingWorker, type PricingOutput, type RawQuote } from './pricing/pricing-worker.js';
import { createKafka } from './ingest/kafka-client.js';
import { createSchemaRegistry } from './ingest/schema-registry.js';
import { HealthChecker } from './obs/health.js';
import { createLogger, type Logger } from './obs/logger.js';
import { Metrics } from './obs/metrics.js';
import { Tracing } from './obs/tracing.js';
import { dependencyProbes } from './obs/probes.js';
import { CatchUpReaders } from './api/catchup-readers.js';
import { MarketHub } from './api/market-hub.js';
import { registerRestRoutes } from './api/rest-routes.js';
import { SseServer } from './api/sse.js';
import { WsServer } from './api/ws-server.js';
import { registerWebPage } from './api/web-page.js';
import { startGrpc } from './api/grpc-server.js';
import { CandleReader } from './store/candle-reader.js';
import { createClickHouse } from './store/clickhouse.js';
import { migrateAll } from './store/migrate.js';
import { createPostgresPool } from './store/postgres.js';
import { createRedis } from './store/redis.js';
import { RedisLatestWriter } from './store/redis-latest.js';
import { CandleStore } from './store/candle-store.js';
import { Persister } from './store/persister.js';
import { AnalyticsStore } from './store/analytics-store.js';
import { BufferedWriter } from './store/buffered-writer.js';
import { LatestBookStore } from './store/latest-book-store.js';
import { PricingHistoryStore } from './store/pricing-history-store.js';
import { TradeStore } from './store/trade-store.js';
import { TradeHistory } from './store/trade-history.js';
import { restoreAggregates } from './ingest/aggregate-restore.js';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Retries a start-up step while its dependency comes up, then gives up with the last error. */
async function untilItWorks<T>(what: string, log: Logger, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} failed for ${timeoutMs / 1000}s: ${(err as Error).message}`);
      log.warn({ err: (err as Error).message, attempt }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function main(): Promise<void> {
  const cfg = configOrExit();
  const log = createLogger(cfg.logLevel);
  const metrics = new Metrics();
  const tracing = Tracing.create(cfg.tracing);

  const kafkaForHealth = createKafka(cfg.kafkaBrokers, `${cfg.kafkaClientId}-health`, log, 0);
  const kafkaAdmin = kafkaForHealth.admin();
  const postgres = createPostgresPool(cfg.postgresUrl, log);
  const redis = createRedis(cfg.redisUrl, log);
  const clickhouse = createClickHouse(cfg.clickhouse);

  if (cfg.migrateOnStart) await untilItWorks('migrations', log, 60_000, () => migrateAll(cfg, postgres, log));

  const health = new HealthChecker(
    dependencyProbes({ kafkaAdmin, schemaRegistryUrl: cfg.schemaRegistryUrl, clickhouse, postgres, redis }),
    cfg.healthTimeoutMs,
    metrics,
  );
  const app = createApp();
  registerOpsRoutes(app, health, metrics);

  const kafka = createKafka(cfg.kafkaBrokers, cfg.kafkaClientId, log);
  const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
  const chDb = cfg.clickhouse.database;
  const analytics = new AnalyticsStore(clickhouse, chDb);
  const pricingStore = new PricingHistoryStore(postgres);
  const persister = cfg.persistEnabled
    ? new Persister(
        { trades: new TradeStore(clickhouse, chDb), candles: new CandleStore(postgres), latestBooks: new LatestBookStore(postgres), analytics },
        metrics,
        log,
        tracing,
      )
    : undefined;
  const history = cfg.persistEnabled ? new TradeHistory(clickhouse, cfg.clickhouse.database, metrics) : undefined;
  const ingest = cfg.ingestEnabled
    ? new Ingest(kafka, registry, cfg, metrics, log, persister, history ? (state) => restoreAggregates(state, history) : undefined, tracing)
    : undefined;
  const latest = ingest ? new RedisLatestWriter(redis, ingest.state, cfg.topicPrefix, metrics, log) : undefined;
  if (ingest && latest) {
    ingest.onOutput((out) => latest.onIngest(out));
    latest.start();
  }
  const pricing =
    ingest && cfg.pricing.enabled ? new PricingWorker(cfg.pricing, ingest.state, kafka, registry, mdTopics(cfg.topicPrefix), metrics, log, tracing) : undefined;
  const pricingHistory = pricing && cfg.persistEnabled ? new BufferedWriter('pg_pricing_history', (outs: PricingOutput[]) => pricingStore.insertAll(outs), metrics, log) : undefined;
  const indexQuotes = pricing && cfg.persistEnabled ? new BufferedWriter('ch_index_quotes', (q: RawQuote[]) => analytics.insertQuotes(q), metrics, log) : undefined;
  if (pricing) {
    if (latest) pricing.onOutput((out) => latest.onPricing(out));
    if (pricingHistory && indexQuotes) {
      pricing.onOutput((out) => {
        pricingHistory.add([out]);
        indexQuotes.add(pricing.takeRawQuotes());
      });
    }
  }

  // Client-facing API: WebSocket, REST, SSE, all fed by the hub from the in-process outputs.
  let ws: WsServer | undefined;
  let sse: SseServer | undefined;
  let grpcServer: { port: number; stop(graceMs?: number): Promise<void> } | undefined;
  const candleReader = new CandleReader(postgres, metrics);
  if (ingest) {
    const readers = new CatchUpReaders();
    const hub = new MarketHub(ingest.state, {
      publish: (key, json) => {
        const n = app.numSubscribers(key);
        if (n > 0) {
          app.publish(key, json, false, false);
          metrics.wsMessagesSent.inc({ mode: 'live' }, n);
        }
      },
      wanted: (key) => app.numSubscribers(key) > 0 || readers.has(key),
    }, (symbol, ms) => metrics.snapshotLatency.observe({ symbol }, ms));
    ingest.onOutput((out, state) => hub.onIngest(out, state));
    pricing?.onOutput((out) => hub.onPricing(out));
    setInterval(() => hub.snapshotAllBooks(), cfg.ws.bookSnapshotIntervalMs).unref();
    registerRestRoutes(app, { state: ingest.state, hub, candles: candleReader, pricing: () => pricing?.lastOutput, metrics });
    sse = new SseServer(app, hub, ingest.state, readers, metrics);
    sse.register();
    ws = new WsServer(app, hub, ingest.state, readers, cfg.ws, metrics, log);
    ws.register();
    grpcServer = await startGrpc(cfg.bindHost, cfg.grpcPort, { state: ingest.state, pricing: () => pricing?.lastOutput, candles: candleReader, clickhouse, database: cfg.clickhouse.database, log });
    log.info({ port: grpcServer.port }, 'grpc listening');
  }
  registerWebPage(app);
  registerNotFound(app, metrics);
  const http = await listen(app, cfg.bindHost, cfg.httpPort);
  log.info({ host: cfg.bindHost, port: http.port }, 'http listening');

  // Graceful shutdown: stop accepting, tell clients (1001), then drain the pipeline: every event
  // consumed is stored and its offsets committed, buffered pricing rows are written. Whatever is
  // not done within the drain timeout is not lost (its offsets are not committed): it is replayed
  // at the next start.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    log.info({ signal, drain_timeout_ms: cfg.shutdownDrainTimeoutMs }, 'shutting down');
    setTimeout(() => {
      log.error({ signal, drain_timeout_ms: cfg.shutdownDrainTimeoutMs }, 'drain timeout: exiting with work not stored (replayed from the committed offsets at the next start)');
      process.exit(1);
    }, cfg.shutdownDrainTimeoutMs).unref();
    http.close();
    ws?.closeAll();
    sse?.closeAll();
    await grpcServer?.stop(Math.min(2000, cfg.shutdownDrainTimeoutMs / 4));
    await pricing?.stop();
    await ingest?.stop();
    await Promise.allSettled([pricingHistory?.close(), indexQuotes?.close()]);
    await latest?.stop().catch(() => undefined);
    await tracing.shutdown();
    await Promise.allSettled([kafkaAdmin.disconnect(), postgres.end(), redis.quit(), clickhouse.close()]);
    log.info({ signal, drain_ms: Date.now() - started }, 'stopped: everything consumed is stored and committed');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // Served from here on (/health tells how the start goes); the API answers as data arrives.
  if (ingest) await untilItWorks('ingest start', log, 120_000, () => ingest.start());
  if (pricing && !stopping) await untilItWorks('pricing start', log, 60_000, () => pricing.start());
}

main().catch((err) => {
  process.stderr.write(`market-data: ${(err as Error).message}\n`);
  process.exit(1);
});
