// The composition root: the one place that builds every part of the service and wires them together.
import './ingest/kafkajs.js'; // first: kafkajs's patches before kafkajs loads (see the file)
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp, listen, registerMethodNotAllowed, registerNotFound, registerOpsRoutes } from './api/http-server.js';
import { OPENAPI } from './api/openapi.js';
import { mdTopics } from './contract/topics.js';
import { Ingest } from './ingest/ingest.js';
import { combinePricing, PricingWorker, type PricingOutput, type RawQuote } from './pricing/pricing-worker.js';
import { createKafka } from './ingest/kafka-client.js';
import { useFetchSessions } from './ingest/kafkajs-fetch-sessions.js';
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
import { registerWebPage, WEB_FILES } from './api/web-page.js';
import { startGrpc } from './api/grpc-server.js';
import { CandleReader } from './store/candle-reader.js';
import { createClickHouse } from './store/clickhouse.js';
import { migrateAll } from './store/migrate.js';
import { createPostgresPool } from './store/postgres.js';
import { createRedis } from './store/redis.js';
import { RedisLatestWriter } from './store/redis-latest.js';
import { persistedOutput, persistedPricing } from './venues/venue-knobs.js';
import { CandleStore } from './store/candle-store.js';
import { Persister } from './store/persister.js';
import { AnalyticsStore } from './store/analytics-store.js';
import { BufferedWriter } from './store/buffered-writer.js';
import { LatestBookStore } from './store/latest-book-store.js';
import { PricingHistoryStore } from './store/pricing-history-store.js';
import { TradeStore } from './store/trade-store.js';
import { TradeHistory } from './store/trade-history.js';
import { restoreAggregates } from './ingest/aggregate-restore.js';
import { stateView } from './ingest/state-view.js';
import { instrumentOfVenueRecord } from './contract/venue-wire.js';
import { EdgeMarket } from './edge/edge-market.js';
import { MdFollower } from './edge/md-follower.js';
import { VenueFollower } from './edge/venue-follower.js';
import type { MarketOutput, TradeValue } from './market/market-output.js';
import type { MarketView } from './market/market-view.js';
import { compositeView } from './market/composite-view.js';
import { registerStreamControl } from './api/stream-control.js';
import { VenueStreamStore } from './store/venue-stream-store.js';
import { VenueStreams } from './venues/venue-streams.js';
import { VenuePublisher } from './venues/venue-publisher.js';
import { VenueTradeStore } from './store/venue-trade-store.js';
import { DEFAULT_TIMING } from './venues/venue-stream.js';
import { loadWsEngine, WsEngineError, type Uws, type WsEngineInfo } from './runtime/ws-engine.js';
import { setHeapGrowth } from './runtime/heap-growth.js';

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

function wsEngineOrExit(): { uws: Uws; info: WsEngineInfo } {
  try {
    return loadWsEngine();
  } catch (err) {
    if (err instanceof WsEngineError) {
      process.stderr.write(`market-data: refusing to start: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const cfg = configOrExit();
  setHeapGrowth(cfg.heapGrowingPercent);
  useFetchSessions(cfg.kafkaFetchSessions);
  const engine = wsEngineOrExit();
  const log = createLogger(cfg.logLevel);
  log.info(engine.info, 'websocket engine');
  const metrics = new Metrics();
  metrics.buildInfo.set({ role: cfg.role, node: engine.info.node, abi: engine.info.abi, uws: engine.info.package }, 1);
  const tracing = Tracing.create(cfg.tracing);

  const kafkaForHealth = createKafka(cfg.kafkaBrokers, `${cfg.kafkaClientId}-health`, log, 0);
  const kafkaAdmin = kafkaForHealth.admin();
  const postgres = createPostgresPool(cfg.postgresUrl, log);
  const redis = createRedis(cfg.redisUrl, log);
  const clickhouse = createClickHouse(cfg.clickhouse);

  if (cfg.migrateOnStart) await untilItWorks('migrations', log, 60_000, () => migrateAll(cfg, postgres, log));

  const probes = dependencyProbes({ kafkaAdmin, schemaRegistryUrl: cfg.schemaRegistryUrl, clickhouse, postgres, redis });
  if (cfg.role === 'edge') delete probes.redis; // an edge reads md.* (and PostgreSQL, ClickHouse for history), never Redis
  const health = new HealthChecker(
    probes,
    cfg.healthTimeoutMs,
    metrics,
    { role: cfg.role, node: engine.info.node, ws_engine: engine.info },
  );
  const app = createApp(engine.uws);
  registerOpsRoutes(app, health, metrics);

  const kafka = createKafka(cfg.kafkaBrokers, cfg.kafkaClientId, log, undefined, (client, api) => metrics.kafkaRequests.inc({ client, api }));
  const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
  const chDb = cfg.clickhouse.database;

  // The market: an ingest (all, core) or the md.* follower (edge); both give the API a read-only
  // view and a source of output values.
  let view: MarketView;
  let onOutput: (listener: (out: MarketOutput) => void) => void;
  let onPricing: (listener: (out: PricingOutput) => void) => void;
  let lastPricing: () => PricingOutput | undefined;
  let ingest: Ingest | undefined;
  let pricing: PricingWorker | undefined;
  let latest: RedisLatestWriter | undefined;
  let follower: MdFollower | undefined;
  let venueFollower: VenueFollower | undefined;
  let pricingHistory: BufferedWriter<PricingOutput> | undefined;
  let indexQuotes: BufferedWriter<RawQuote> | undefined;
  if (cfg.role === 'edge') {
    const market = new EdgeMarket(
      {
        problem: (_symbol, cause, detail) => follower?.problem(cause, 'md.orderbook', detail),
        synced: () => metrics.edgeResyncs.inc(),
      },
      cfg.edgeStaleAfterMs,
    );
    follower = new MdFollower(kafka, registry, market, { topicPrefix: cfg.topicPrefix, snapshotIntervalMs: cfg.mdSnapshotIntervalMs, recentTrades: 1000, fetchMinBytes: cfg.edgeFetchMinBytes, fetchMaxWaitMs: cfg.edgeFetchMaxWaitMs, readUncommitted: cfg.edgeIsolation === 'read_uncommitted' }, metrics, log);
    const f = follower;
    // the venue streams an `all` process publishes (md.venue.*), in a market of their own
    const venueMarket = new EdgeMarket(
      {
        problem: (_symbol, cause, detail) => f.problem(cause, 'md.venue.book', detail),
        synced: () => metrics.edgeResyncs.inc(),
      },
      cfg.edgeStaleAfterMs,
      { instrumentOf: instrumentOfVenueRecord, tradesBySequence: false },
    );
    venueFollower = new VenueFollower(kafka, registry, venueMarket, { topicPrefix: cfg.topicPrefix, snapshotIntervalMs: cfg.mdSnapshotIntervalMs }, metrics, log, (c, t, d) => f.problem(c, t, d));
    const vf = venueFollower;
    view = compositeView(market, venueMarket);
    onOutput = (l) => {
      f.onOutput(l);
      vf.onOutput(l);
    };
    onPricing = (l) => {
      f.onPricing(l);
      vf.onPricing(l);
    };
    lastPricing = () => combinePricing(f.pricing, vf.pricing());
  } else {
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
    const ing = new Ingest(kafka, registry, cfg, metrics, log, persister, history ? (state, symbols) => restoreAggregates(state, history, symbols) : undefined, tracing);
    ingest = ing;
    view = stateView(ing.state);
    latest = new RedisLatestWriter(redis, view, cfg.topicPrefix, metrics, log);
    const l = latest;
    ing.onOutput((out) => l.onIngest(out));
    latest.start();
    const p = cfg.pricing.enabled ? new PricingWorker(cfg.pricing, ing.state, kafka, registry, mdTopics(cfg.topicPrefix), metrics, log, tracing) : undefined;
    pricing = p;
    if (p) {
      p.onOutput((out) => l.onPricing(out));
      if (cfg.persistEnabled) {
        const ph = new BufferedWriter('pg_pricing_history', (outs: PricingOutput[]) => pricingStore.insertAll(outs), metrics, log);
        const iq = new BufferedWriter('ch_index_quotes', (q: RawQuote[]) => analytics.insertQuotes(q), metrics, log);
        pricingHistory = ph;
        indexQuotes = iq;
        p.onOutput((out) => {
          ph.add([out]);
          iq.add(p.takeRawQuotes());
        });
      }
    }
    onOutput = (listener) => ing.onOutput(listener);
    onPricing = (listener) => p?.onOutput(listener);
    lastPricing = () => p?.lastOutput;
  }

  // Outside venues (ccxt pro): another source of the same market outputs, under venue symbols.
  let venuePublisher: VenuePublisher | undefined;
  let venueTrades: BufferedWriter<TradeValue> | undefined;
  let venueLatest: RedisLatestWriter | undefined;
  const venues = cfg.venues.enabled ? new VenueStreams(cfg.venues.baseUrl, new VenueStreamStore(postgres), metrics, log, {
        ...DEFAULT_TIMING,
        backoffMaxMs: cfg.venues.backoffMaxMs,
        breaker: { ...DEFAULT_TIMING.breaker, openMs: cfg.venues.breakerOpenMs },
      }) : undefined;
  if (venues) {
    const own = view;
    const ownOutput = onOutput;
    view = compositeView(own, venues.market);
    onOutput = (listener) => {
      ownOutput(listener);
      venues.onOutput(listener);
    };
    // venue perpetuals with a funding stream: their mark, index and funding beside the engine's
    const ownPricing = onPricing;
    const ownLastPricing = lastPricing;
    onPricing = (listener) => {
      ownPricing(listener);
      venues.market.onPricing(listener);
    };
    lastPricing = () => combinePricing(ownLastPricing(), venues.market.pricing());
    health.venues = () => venues.health();
    // the index takes a venue's live price where a stream of it runs (the index source ids are venue ids)
    if (pricing) {
      const fresh = cfg.pricing.staleMs / 2;
      pricing.liveQuote = (source, base, quote) => venues.market.liveQuote(`${source}:${base}/${quote}`, fresh, Date.now());
    }
    venuePublisher = new VenuePublisher(kafka, registry, cfg.topicPrefix, venues, metrics, log, { partitions: cfg.topicPartitions, snapshotIntervalMs: cfg.mdSnapshotIntervalMs, maxQueued: 100_000 });
    const pub = venuePublisher;
    venues.onOutput((out) => pub.onOutput(out));
    venues.market.onPricing((out) => pub.onPricing(out));
    // persist: trades to ClickHouse, the latest book, ticker, mark and funding to Redis
    const store = new VenueTradeStore(clickhouse, chDb);
    venueTrades = new BufferedWriter('ch_venue_trades', (rows: TradeValue[]) => store.insert(rows), metrics, log);
    const vt = venueTrades;
    const vl = new RedisLatestWriter(redis, venues.market, cfg.topicPrefix, metrics, log);
    venueLatest = vl;
    venues.onOutput((out) => {
      const kept = persistedOutput(out, venues);
      vt.add(kept.trades);
      vl.onIngest(kept);
    });
    venues.market.onPricing((out) => vl.onPricing(persistedPricing(out, venues)));
    vl.start();
  }

  // Client-facing API (all, edge): WebSocket, REST, SSE and gRPC, fed by the hub from the output source.
  let ws: WsServer | undefined;
  let sse: SseServer | undefined;
  let grpcServer: { port: number; stop(graceMs?: number): Promise<void> } | undefined;
  if (cfg.role !== 'core') {
    const candleReader = new CandleReader(postgres, metrics);
    const readers = new CatchUpReaders();
    const hub = new MarketHub(view, {
      publish: (key, json) => {
        const n = app.numSubscribers(key);
        if (n > 0) {
          app.publish(key, json, false, false);
          metrics.wsMessagesSent.inc({ mode: 'live' }, n);
        }
      },
      wanted: (key) => app.numSubscribers(key) > 0 || readers.has(key),
    }, (symbol, ms) => metrics.snapshotLatency.observe({ symbol }, ms));
    onOutput((out) => hub.onOutput(out));
    if (venues) venues.onSymbolGone = (symbol) => hub.forget(symbol);
    onPricing((out) => hub.onPricing(out));
    setInterval(() => hub.snapshotAllBooks(), cfg.ws.bookSnapshotIntervalMs).unref();
    registerRestRoutes(app, { view, hub, candles: candleReader, pricing: lastPricing, metrics });
    sse = new SseServer(app, hub, view, readers, metrics);
    sse.register();
    const wsServer = new WsServer(app, hub, view, readers, cfg.ws, metrics, log);
    wsServer.register();
    ws = wsServer;
    metrics.trackRetained(() => ({ ...hub.sizes(), ...wsServer.sizes() }));
    grpcServer = await startGrpc(cfg.bindHost, cfg.grpcPort, { state: view, pricing: lastPricing, candles: candleReader, clickhouse, database: cfg.clickhouse.database, log });
    log.info({ port: grpcServer.port }, 'grpc listening');
  }
  if (venues) {
    registerStreamControl(app, venues, cfg.adminToken, metrics);
    registerMethodNotAllowed(app, ['/v1/streams'], metrics, 'GET, POST');
    registerMethodNotAllowed(app, ['/v1/streams/:id'], metrics, 'GET, PATCH, DELETE');
  }
  registerWebPage(app);
  const apiPaths = Object.keys(OPENAPI.paths).filter((p) => !p.startsWith('/v1/streams'));
  const getPaths = ['/health', '/metrics', ...Object.keys(WEB_FILES), ...(cfg.role === 'core' ? [] : ['/ws', ...apiPaths.map((p) => p.replace(/\{(\w+)\}/g, ':$1'))])];
  registerMethodNotAllowed(app, getPaths, metrics);
  registerNotFound(app, metrics);
  const http = await listen(engine.uws, app, cfg.bindHost, cfg.httpPort);
  log.info({ role: cfg.role, host: cfg.bindHost, port: http.port }, 'http listening');

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
    await venues?.stop();
    await venuePublisher?.stop();
    await venueTrades?.close();
    const drained = await ingest?.stop().then(
      () => true,
      (err: Error) => {
        log.error({ err: err.stack ?? err.message }, 'final flush failed: outputs taken since the last commit are not stored (replayed from the committed offsets at the next start)');
        return false;
      },
    );
    await Promise.allSettled([follower?.stop(), venueFollower?.stop()]);
    await Promise.allSettled([pricingHistory?.close(), indexQuotes?.close()]);
    await Promise.allSettled([latest?.stop(), venueLatest?.stop()]);
    await tracing.shutdown();
    await Promise.allSettled([kafkaAdmin.disconnect(), postgres.end(), redis.quit(), clickhouse.close()]);
    if (drained === false) process.exit(1);
    log.info({ signal, drain_ms: Date.now() - started }, 'stopped: everything consumed is stored and committed');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // Served from here on (/health tells how the start goes); the API answers as data arrives.
  // venues need neither Kafka nor the engine: they start beside the ingest
  // a venue side that cannot start is logged; it never takes the exchange's own market down
  const venuesStarted = venues ? untilItWorks('venue streams start', log, 60_000, () => venues.start(cfg.venues.seeds)).catch((err: Error) => log.error({ err: err.message }, 'venue streams not started')) : undefined;
  const venuePublishing = venuePublisher ? untilItWorks('md.venue.* publisher start', log, 120_000, () => venuePublisher!.start()).catch((err: Error) => log.error({ err: err.message }, 'md.venue.* not published')) : undefined;
  if (ingest) await untilItWorks('ingest start', log, 120_000, () => ingest!.start());
  if (venueFollower) void untilItWorks('md.venue.* follower start', log, 120_000, () => venueFollower!.start()).catch((err: Error) => log.error({ err: err.message }, 'md.venue.* not followed'));
  if (follower) await untilItWorks('md.* follower start', log, 120_000, () => follower!.start());
  if (pricing && !stopping) await untilItWorks('pricing start', log, 60_000, () => pricing!.start());
  await venuesStarted;
  await venuePublishing;
}

main().catch((err) => {
  process.stderr.write(`market-data: ${(err as Error).message}\n`);
  process.exit(1);
});
