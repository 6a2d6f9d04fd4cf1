import { hostname } from 'node:os';
import { parseStreamList, SpecError, type StreamSpec } from './venues/stream-spec.js';

// Every environment variable the service reads, parsed and validated in one place.
// A missing or malformed value throws a ConfigError whose message is one line naming the variable.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
    got: string | undefined,
  ) {
    super(`config: ${variable} must be ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`);
    this.name = 'ConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** all: one process does everything; core: engine topics in, md.* and stores out; edge: md.* in, the public API out. */
export type Role = 'all' | 'core' | 'edge';
export const ROLES: readonly Role[] = ['all', 'core', 'edge'];
export type EdgeIsolation = 'read_uncommitted' | 'read_committed';
export const EDGE_ISOLATIONS: readonly EdgeIsolation[] = ['read_uncommitted', 'read_committed'];

export interface Config {
  role: Role;
  kafkaBrokers: string[];
  kafkaClientId: string;
  kafkaGroupId: string;
  /** Consumer-group session: how long a dead core holds its partitions before another takes them. */
  kafkaSessionTimeoutMs: number;
  /** Transaction timeout of the md.* producer: how long a dead core's open transaction holds read_committed readers. */
  kafkaTransactionTimeoutMs: number;
  /** Kafka fetch sessions (KIP-227): each fetch names only the partitions whose offset moved. Off: every fetch in full, as kafkajs does. */
  kafkaFetchSessions: boolean;
  /** Edge: a book with no md.* message for this long is marked stale (its core is gone or stalled). */
  edgeStaleAfterMs: number;
  /** Edge: a md.* fetch waits for this many bytes, or for EDGE_FETCH_MAX_WAIT_MS (fewer, larger fetches cost an idle edge less: kafkajs's cost is per fetch and partition). */
  edgeFetchMinBytes: number;
  edgeFetchMaxWaitMs: number;
  /**
   * Edge: which md.* records it reads. `read_uncommitted` (default) serves a core's outputs as soon
   * as they are written, as an `all` process serves its own before they commit; the edge drops what
   * a retried or taken-over transaction writes again by sequence. `read_committed` waits for each
   * core transaction to commit (one commit round later).
   */
  edgeIsolation: EdgeIsolation;
  /** Prepended to every topic name (engine inputs and md.* outputs), to share a cluster between environments. */
  topicPrefix: string;
  /** Write trades (ClickHouse) and closed candles (PostgreSQL) before committing offsets. */
  persistEnabled: boolean;
  /** Partitions of engine and md.* topics when the service has to create them. */
  topicPartitions: number;
  /** Kafka transactional id of the ingest producer: stable per instance, unique across instances. */
  kafkaTransactionalId: string;
  /** How often every in-sync book is published whole to md.orderbook.snap.v1. */
  mdSnapshotIntervalMs: number;
  /** Processed events allowed to wait for their store writes and commit before consumption pauses. */
  ingestMaxUncommittedEvents: number;
  /** How long a core's md.* transaction stays open taking more outputs before it commits (edges reading uncommitted get each output as it is sent). */
  mdTransactionMs: number;
  /** The heap may grow this many percent past what a full GC left live before the next one (0: V8 decides, up to 300). */
  heapGrowingPercent: number;
  pricing: {
    enabled: boolean;
    /** Index sources and their weights. */
    sources: { id: 'binance' | 'coinbase' | 'kraken' | 'okx'; weight: string }[];
    /** Replaces every exchange API host (local stand-ins, or a proxy); empty for the real exchanges. */
    exchangeBaseUrl: string | undefined;
    pollMs: number;
    staleMs: number;
    /** A source further than this fraction from the median of the others is excluded. */
    maxDeviation: string;
    /** EMA span of the premium, in 1 s samples. */
    emaSpan: number;
  };
  schemaRegistryUrl: string;
  redisUrl: string;
  postgresUrl: string;
  clickhouse: { url: string; database: string };
  /** Address the HTTP/WebSocket and gRPC servers bind to (0.0.0.0 to serve other machines). */
  bindHost: string;
  httpPort: number;
  grpcPort: number;
  ws: {
    /** Messages per second a connection gets before its streams are conflated. */
    rateMaxMsgsPerSec: number;
    maxSubscriptions: number;
    /** Largest client frame; a bigger one closes the connection (1009). */
    maxFrameBytes: number;
    /** A connection that sends nothing (not even a pong) for this long is closed. */
    idleTimeoutS: number;
    /** A client whose unsent data passes this is closed (4008). */
    maxBufferedBytes: number;
    /** While all clients' unsent data together passes this, the largest holders (over a quarter of maxBufferedBytes) are dropped without a close frame. */
    maxBufferedTotalBytes: number;
    /** A fresh book snapshot on every book stream this often. */
    bookSnapshotIntervalMs: number;
  };
  logLevel: LogLevel;
  tracing: {
    /** Export spans over OTLP/HTTP (off by default: then the tracer is a no-op). */
    enabled: boolean;
    /** Full OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces. */
    otlpUrl: string;
    /** Fraction of per-event work (trades, book deltas, WebSocket broadcasts) traced. */
    sampleRatio: number;
  };
  /** On SIGTERM/SIGINT: how long to flush, commit and close before exiting anyway. */
  shutdownDrainTimeoutMs: number;
  /** Apply pending migrations at start (on by default; off for edge instances that must not touch schemas). */
  migrateOnStart: boolean;
  /** Per-dependency probe timeout for /health. */
  healthTimeoutMs: number;
  venues: {
    /** Follow outside venues (ccxt pro) in this process (all role only). */
    enabled: boolean;
    /** Streams added at start when not stored yet. */
    seeds: StreamSpec[];
    /** Replaces every venue host (local stand-ins, or a proxy); undefined for the real venues. */
    baseUrl: string | undefined;
    /** How long an opened circuit breaker waits before its probe. */
    breakerOpenMs: number;
    /** The longest wait between reconnects (backoff doubles up to it). */
    backoffMaxMs: number;
  };
  /** Bearer token of the control API (stream control); without one, control is off. */
  adminToken: string | undefined;
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name, String(fallback));
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `a whole number from ${min} to ${max}`, raw);
  }
  return Number(raw);
}

const port = (env: Env, name: string, fallback: number) => integer(env, name, fallback, 1, 65535);

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = read(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, raw);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, '')) || parsed.hostname === '') {
    throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, raw);
  }
  return raw;
}

function brokers(env: Env, name: string, fallback: string): string[] {
  const raw = read(env, name, fallback);
  const list = raw.split(',').map((s) => s.trim());
  const ok = list.every((b) => /^[A-Za-z0-9.\-_]+:\d{1,5}$/.test(b) && Number(b.split(':')[1]) <= 65535);
  if (!ok) throw new ConfigError(name, 'a comma-separated list of host:port', raw);
  return list;
}

function host(env: Env, name: string, fallback: string): string {
  const raw = read(env, name, fallback);
  if (!/^[A-Za-z0-9.\-_:]+$/.test(raw)) throw new ConfigError(name, 'a host name or IP address', raw);
  return raw;
}

function topicPrefix(env: Env, name: string): string {
  const raw = env[name]?.trim() ?? '';
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw)) throw new ConfigError(name, 'up to 100 of A-Z a-z 0-9 . _ -', raw);
  return raw;
}

function indexSources(env: Env, name: string, fallback: string): Config['pricing']['sources'] {
  const raw = read(env, name, fallback);
  const ids = ['binance', 'coinbase', 'kraken', 'okx'];
  const out = raw.split(',').map((part) => {
    const [id, weight] = part.trim().split(':');
    if (!id || !ids.includes(id) || !weight || !/^(0|[1-9]\d*)(\.\d+)?$/.test(weight) || Number(weight) === 0) {
      throw new ConfigError(name, 'a comma-separated list of exchange:weight (binance, coinbase, kraken, okx; weight > 0)', raw);
    }
    return { id: id as Config['pricing']['sources'][number]['id'], weight };
  });
  if (new Set(out.map((s) => s.id)).size !== out.length) throw new ConfigError(name, 'each exchange at most once', raw);
  return out;
}

function fraction(env: Env, name: string, fallback: string): string {
  const raw = read(env, name, fallback);
  if (!/^0(\.\d{1,18})?$|^1(\.0+)?$/.test(raw)) throw new ConfigError(name, 'a decimal fraction from 0 to 1', raw);
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = read(env, name, fallback);
  if (!allowed.includes(raw as T)) throw new ConfigError(name, `one of ${allowed.join('|')}`, raw);
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name, String(fallback)).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, 'true or false', raw);
}

function streamList(env: Env, name: string): StreamSpec[] {
  try {
    return parseStreamList(env[name] ?? '');
  } catch (err) {
    if (err instanceof SpecError) throw new ConfigError(name, `a comma-separated list of venue:SYMBOL@kind[:depth] (${err.message})`, env[name]);
    throw err;
  }
}

function token(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError(name, 'at least 16 characters without spaces', '(hidden)');
  return raw;
}

function clickhouse(env: Env): Config['clickhouse'] {
  const raw = url(env, 'CLICKHOUSE_URL', 'http://127.0.0.1:8123/md', ['http', 'https']);
  const u = new URL(raw);
  const database = u.pathname.replace(/^\/+|\/+$/g, '') || 'md';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new ConfigError('CLICKHOUSE_URL', 'a URL whose path is a database name', raw);
  }
  u.pathname = '/';
  return { url: u.toString().replace(/\/$/, ''), database };
}

export function loadConfig(env: Env = process.env): Config {
  const role = oneOf(env, 'ROLE', 'all', ROLES);
  const prefix = topicPrefix(env, 'TOPIC_PREFIX');
  const snapshotIntervalMs = integer(env, 'MD_SNAPSHOT_INTERVAL_MS', 10_000, 100, 86_400_000);
  return {
    role,
    kafkaBrokers: brokers(env, 'KAFKA_BROKERS', '127.0.0.1:9092'),
    kafkaClientId: read(env, 'KAFKA_CLIENT_ID', 'market-data'),
    // one group per environment: unrelated environments sharing a cluster never rebalance each other
    kafkaGroupId: read(env, 'KAFKA_GROUP_ID', prefix ? `market-data.${prefix.replace(/[._-]+$/, '')}` : 'market-data'),
    kafkaSessionTimeoutMs: integer(env, 'KAFKA_SESSION_TIMEOUT_MS', 6000, 1000, 300_000),
    kafkaTransactionTimeoutMs: integer(env, 'KAFKA_TRANSACTION_TIMEOUT_MS', 10_000, 1000, 900_000),
    kafkaFetchSessions: bool(env, 'KAFKA_FETCH_SESSIONS', true),
    edgeStaleAfterMs: integer(env, 'EDGE_STALE_AFTER_MS', snapshotIntervalMs + 5000, 500, 86_400_000),
    edgeFetchMinBytes: integer(env, 'EDGE_FETCH_MIN_BYTES', 1, 1, 64 * 1024 * 1024),
    edgeFetchMaxWaitMs: integer(env, 'EDGE_FETCH_MAX_WAIT_MS', 50, 1, 10_000),
    edgeIsolation: oneOf(env, 'EDGE_ISOLATION', 'read_uncommitted', EDGE_ISOLATIONS),
    topicPrefix: prefix,
    persistEnabled: role !== 'edge' && bool(env, 'PERSIST_ENABLED', true),
    topicPartitions: integer(env, 'TOPIC_PARTITIONS', 8, 1, 10_000),
    kafkaTransactionalId: read(env, 'KAFKA_TRANSACTIONAL_ID', `${read(env, 'KAFKA_CLIENT_ID', 'market-data')}-${hostname()}`),
    mdSnapshotIntervalMs: snapshotIntervalMs,
    ingestMaxUncommittedEvents: integer(env, 'INGEST_MAX_UNCOMMITTED_EVENTS', 200_000, 1000, 10_000_000),
    mdTransactionMs: integer(env, 'MD_TRANSACTION_MS', 100, 0, 10_000),
    heapGrowingPercent: integer(env, 'HEAP_GROWING_PERCENT', 60, 0, 300),
    pricing: {
      enabled: bool(env, 'PRICING_ENABLED', true),
      sources: indexSources(env, 'INDEX_SOURCES', 'binance:1,coinbase:1,kraken:1,okx:1'),
      exchangeBaseUrl: env.INDEX_EXCHANGE_BASE_URL?.trim() ? url(env, 'INDEX_EXCHANGE_BASE_URL', '', ['http', 'https']).replace(/\/$/, '') : undefined,
      pollMs: integer(env, 'INDEX_POLL_MS', 500, 50, 60_000),
      staleMs: integer(env, 'INDEX_STALE_MS', 2000, 100, 600_000),
      maxDeviation: fraction(env, 'INDEX_MAX_DEVIATION', '0.05'),
      emaSpan: integer(env, 'MARK_EMA_SPAN', 30, 1, 100_000),
    },
    schemaRegistryUrl: url(env, 'SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7', ['http', 'https']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis', 'rediss']),
    postgresUrl: url(env, 'POSTGRES_URL', 'postgres://md@127.0.0.1:5432/md', ['postgres', 'postgresql']),
    clickhouse: clickhouse(env),
    bindHost: host(env, 'BIND_HOST', '127.0.0.1'),
    httpPort: port(env, 'HTTP_PORT', 8080),
    grpcPort: port(env, 'GRPC_PORT', 50051),
    ws: {
      rateMaxMsgsPerSec: integer(env, 'WS_RATE_MAX_MSGS_PER_SEC', 100, 1, 100_000),
      maxSubscriptions: integer(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
      maxFrameBytes: integer(env, 'WS_MAX_FRAME_BYTES', 4096, 256, 1_048_576),
      idleTimeoutS: integer(env, 'WS_IDLE_TIMEOUT_S', 120, 8, 3600),
      maxBufferedBytes: integer(env, 'WS_MAX_BUFFERED_BYTES', 1_048_576, 65_536, 1_073_741_824),
      maxBufferedTotalBytes: integer(env, 'WS_MAX_BUFFERED_TOTAL_BYTES', 268_435_456, 1_048_576, 68_719_476_736),
      bookSnapshotIntervalMs: integer(env, 'WS_BOOK_SNAPSHOT_INTERVAL_MS', 30_000, 1000, 3_600_000),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    tracing: {
      enabled: bool(env, 'TRACING_ENABLED', false),
      otlpUrl: url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http://127.0.0.1:4318/v1/traces', ['http', 'https']),
      sampleRatio: Number(fraction(env, 'TRACE_SAMPLE_RATIO', '0.01')),
    },
    shutdownDrainTimeoutMs: integer(env, 'SHUTDOWN_DRAIN_TIMEOUT_MS', 10_000, 100, 600_000),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', role !== 'edge'),
    healthTimeoutMs: integer(env, 'HEALTH_TIMEOUT_MS', 1500, 50, 60_000),
    venues: {
      enabled: role === 'all' && bool(env, 'VENUES_ENABLED', true),
      seeds: streamList(env, 'VENUE_STREAMS'),
      baseUrl: env.VENUE_BASE_URL?.trim() ? url(env, 'VENUE_BASE_URL', '', ['http', 'https']).replace(/\/$/, '') : undefined,
      breakerOpenMs: integer(env, 'VENUE_BREAKER_OPEN_MS', 30_000, 100, 3_600_000),
      backoffMaxMs: integer(env, 'VENUE_BACKOFF_MAX_MS', 30_000, 100, 3_600_000),
    },
    adminToken: token(env, 'ADMIN_TOKEN'),
  };
}
