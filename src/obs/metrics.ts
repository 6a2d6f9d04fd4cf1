import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Milliseconds, from 100 µs (an in-memory step) to 30 s (a store outage): the targets sit in between. */
const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

/** The service's Prometheus registry: Node's default metrics plus the md_* metrics of DESIGN.md. */
export class Metrics {
  readonly registry = new Registry();

  readonly buildInfo = new Gauge({
    name: 'md_build_info',
    help: 'Always 1; the labels say what runs: role, Node.js version and ABI, WebSocket engine package',
    labelNames: ['role', 'node', 'abi', 'uws'] as const,
    registers: [this.registry],
  });

  readonly dependencyUp = new Gauge({
    name: 'md_dependency_up',
    help: 'Whether the last health probe of a dependency succeeded (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly dbQueryDuration = new Histogram({
    name: 'md_db_query_duration_ms',
    help: 'Duration of store queries in milliseconds',
    labelNames: ['repository'] as const,
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'md_http_requests_total',
    help: 'HTTP requests served, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  readonly snapshotLatency = new Histogram({
    name: 'md_snapshot_latency_ms',
    help: 'Book subscription (WebSocket, SSE) to its snapshot or missed deltas being sent, in milliseconds',
    labelNames: ['symbol'] as const,
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  // ---- ingest ----
  readonly kafkaConsumed = new Counter({
    name: 'md_kafka_messages_consumed_total',
    help: 'Kafka messages consumed, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly kafkaRequests = new Counter({
    name: 'md_kafka_requests_total',
    help: 'Requests sent to Kafka brokers, by kind of client (producer, consumer, admin) and Kafka API',
    labelNames: ['client', 'api'] as const,
    registers: [this.registry],
  });

  readonly ingestLag = new Histogram({
    name: 'md_ingest_lag_ms',
    help: 'Engine send time (or Kafka timestamp) to processing, in milliseconds',
    labelNames: ['topic'] as const,
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  readonly seqGaps = new Counter({
    name: 'md_seq_gap_total',
    help: 'Engine sequence numbers that never arrived, by symbol',
    labelNames: ['symbol'] as const,
    registers: [this.registry],
  });

  readonly duplicates = new Counter({
    name: 'md_ingest_duplicates_total',
    help: 'Engine events dropped because their sequence was already processed',
    labelNames: ['symbol'] as const,
    registers: [this.registry],
  });

  readonly resyncs = new Counter({
    name: 'md_book_resyncs_total',
    help: 'Book resyncs from the engine snapshot, by symbol and reason (gap, crossed, hash_mismatch, rejected)',
    labelNames: ['symbol', 'reason'] as const,
    registers: [this.registry],
  });

  readonly hashChecks = new Counter({
    name: 'md_book_hash_checks_total',
    help: 'Engine book hashes checked against our books, by result (match, mismatch, unverifiable)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'md_ingest_rejected_total',
    help: 'Decoded engine records refused (unknown symbol, price off the tick, ...), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly dlq = new Counter({
    name: 'md_dlq_messages_total',
    help: 'Messages sent to md.dlq.v1, by source topic and reason',
    labelNames: ['topic', 'reason'] as const,
    registers: [this.registry],
  });

  readonly registryWaits = new Counter({
    name: 'md_schema_registry_waits_total',
    help: 'Retries of a schema lookup while the registry did not answer (the message waits; it is never dead-lettered for it)',
    registers: [this.registry],
  });

  readonly ingestBatch = new Histogram({
    name: 'md_ingest_batch_duration_ms',
    help: 'Time to process one consumed batch and commit its outputs and offsets (one Kafka transaction)',
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  readonly publishFailures = new Counter({
    name: 'md_publish_transaction_failures_total',
    help: 'A core\'s failed attempts to publish a commit round (the transaction failed, or the round before was published again behind it); each is settled with the broker and published again, nothing lost or doubled. Above 0 only around broker trouble',
    registers: [this.registry],
  });
  readonly roundStage = new Histogram({
    name: 'md_publish_round_stage_ms',
    help: 'A core\'s commit rounds by stage: store (rows made durable), wait_previous (the round before still committing), produce (the transaction open, each output sent into it as it comes, MD_TRANSACTION_MS), commit (offsets and the transaction commit). read_committed readers of md.* see an output after its round commits, edges reading uncommitted as soon as it is sent',
    labelNames: ['stage'],
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  readonly candlesClosed = new Counter({
    name: 'md_ohlcv_candles_closed_total',
    help: 'Candles closed, by symbol and interval',
    labelNames: ['symbol', 'interval'] as const,
    registers: [this.registry],
  });

  readonly indexStaleness = new Gauge({
    name: 'md_index_price_source_staleness_ms',
    help: 'Age of the newest quote from each index source (the worst over indices), -1 before the first',
    labelNames: ['exchange'] as const,
    registers: [this.registry],
  });

  readonly indexSourceErrors = new Counter({
    name: 'md_index_source_errors_total',
    help: 'Failed or refused index source polls, by exchange and error',
    labelNames: ['exchange', 'reason'] as const,
    registers: [this.registry],
  });

  /** Sources of md_retained_items (the hub, the WebSocket server), read at each scrape. */
  private readonly retainedSources: (() => Record<string, number>)[] = [];
  readonly retained = new Gauge({
    name: 'md_retained_items',
    help: 'Entries held in memory now, by structure (book streams and their delta history, trade history, latest values, subscriptions): what memory grows with',
    labelNames: ['structure'] as const,
    registers: [this.registry],
    collect: () => {
      for (const source of this.retainedSources) for (const [structure, n] of Object.entries(source())) this.retained.set({ structure }, n);
    },
  });

  /** Adds a source of md_retained_items. */
  trackRetained(source: () => Record<string, number>): void {
    this.retainedSources.push(source);
  }

  // ---- WebSocket / SSE ----
  readonly wsClients = new Gauge({
    name: 'md_ws_clients',
    help: 'Connected WebSocket clients',
    registers: [this.registry],
  });

  readonly wsSendBuffered = new Gauge({
    name: 'md_ws_send_buffered_bytes',
    help: 'Bytes accepted for WebSocket clients and not yet sent, all connections (uWS buffers, outside the JavaScript heap; each connection closed with 4008 past WS_MAX_BUFFERED_BYTES, the largest while all pass WS_MAX_BUFFERED_TOTAL_BYTES)',
    registers: [this.registry],
  });

  readonly wsMessagesSent = new Counter({
    name: 'md_ws_messages_sent_total',
    help: 'Messages sent to WebSocket clients (live: published once, counted per subscriber; catchup: merged for a client over its budget)',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly wsConflated = new Counter({
    name: 'md_ws_conflated_total',
    help: 'Times a connection went over its message budget and its streams were conflated',
    registers: [this.registry],
  });

  readonly wsDropped = new Counter({
    name: 'md_ws_dropped_connections_total',
    help: 'Connections the server closed, by reason (slow_consumer, send_budget: all send buffers together over WS_MAX_BUFFERED_TOTAL_BYTES, frame_too_large, flood, idle)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly wsErrors = new Counter({
    name: 'md_ws_errors_total',
    help: 'Error frames sent for bad client frames, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly sseClients = new Gauge({
    name: 'md_sse_clients',
    help: 'Connected SSE clients',
    registers: [this.registry],
  });

  readonly storeDropped = new Counter({
    name: 'md_store_dropped_rows_total',
    help: 'Rows dropped because a store stayed down until its bounded buffer was full (pricing history only; ingest pauses instead)',
    labelNames: ['repository'] as const,
    registers: [this.registry],
  });

  readonly storeBuffered = new Gauge({
    name: 'md_store_buffered_rows',
    help: 'Rows waiting in a store buffer, by repository',
    labelNames: ['repository'] as const,
    registers: [this.registry],
  });

  readonly storeWriteFailures = new Counter({
    name: 'md_store_write_failures_total',
    help: 'Failed store writes (each is retried until it succeeds), by repository',
    labelNames: ['repository'] as const,
    registers: [this.registry],
  });

  readonly lateTrades = new Counter({
    name: 'md_ohlcv_late_trades_total',
    help: 'Trades that arrived after their candle had closed (kept out of that candle), by symbol',
    labelNames: ['symbol'] as const,
    registers: [this.registry],
  });

  readonly booksOutOfSync = new Gauge({
    name: 'md_books_out_of_sync',
    help: 'Books currently resyncing (their channels say so)',
    registers: [this.registry],
  });

  readonly edgeLag = new Histogram({
    name: 'md_edge_lag_ms',
    help: 'Where an edge\'s book deltas spent their time, in milliseconds: core (engine send time to the core sending the md.* record: its ingest and commit round) and transport (the record\'s send to this edge reading it: broker, fetch, queueing)',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS_MS,
    registers: [this.registry],
  });

  readonly edgeProblems = new Counter({
    name: 'md_edge_problems_total',
    help: 'md.* records an edge could not use or books it had to rebuild, by cause (chain_break, checksum_mismatch, bad_levels, missed_deltas, behind, unknown_symbol, bad_instrument, undecodable)',
    labelNames: ['cause'],
    registers: [this.registry],
  });

  readonly indexQuotes = new Counter({
    name: 'md_index_quotes_total',
    help: 'Spot quotes taken by the index, by exchange and how (stream: a live venue stream; rest: polled)',
    labelNames: ['exchange', 'via'] as const,
    registers: [this.registry],
  });

  readonly venueFrames = new Counter({
    name: 'md_venue_frames_total',
    help: 'WebSocket frames received from outside venues (several can make one update)',
    labelNames: ['venue'] as const,
    registers: [this.registry],
  });

  readonly venueMessages = new Counter({
    name: 'md_venue_messages_total',
    help: 'Updates received from outside venues (ccxt pro), by venue and kind',
    labelNames: ['venue', 'kind'] as const,
    registers: [this.registry],
  });

  readonly venueReconnects = new Counter({
    name: 'md_venue_reconnects_total',
    help: 'Venue streams that had to reconnect, by venue, kind and cause (stall, closed, checksum, malformed, refused)',
    labelNames: ['venue', 'kind', 'cause'] as const,
    registers: [this.registry],
  });

  readonly venueStalls = new Counter({
    name: 'md_venue_stalls_total',
    help: 'Venue streams silent for twice their expected interval (the watchdog reconnected them)',
    labelNames: ['venue', 'kind'] as const,
    registers: [this.registry],
  });

  readonly venueChecksumFailures = new Counter({
    name: 'md_venue_checksum_failures_total',
    help: 'Venue books that failed a sequence or checksum check and were rebuilt',
    labelNames: ['venue'] as const,
    registers: [this.registry],
  });

  readonly venueMalformed = new Counter({
    name: 'md_venue_malformed_total',
    help: 'Venue updates dropped as malformed (off the market increments, missing fields, crossed books)',
    labelNames: ['venue', 'kind'] as const,
    registers: [this.registry],
  });

  readonly venueMessageAge = new Gauge({
    name: 'md_venue_message_age_ms',
    help: 'Milliseconds since the last update of each venue stream',
    labelNames: ['venue', 'kind', 'symbol'] as const,
    registers: [this.registry],
  });

  readonly venueBreakerOpen = new Gauge({
    name: 'md_venue_circuit_open',
    help: 'Whether the circuit breaker of a venue connection is open (1) or not (0)',
    labelNames: ['venue'] as const,
    registers: [this.registry],
  });

  readonly edgeResyncs = new Counter({
    name: 'md_edge_book_resyncs_total',
    help: 'Books an edge (re)built from a snapshot and the deltas after it',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
