import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { repoPath } from '../../src/paths.js';

describe('config', () => {
  it('defaults point at the local stack', () => {
    const cfg = loadConfig({});
    assert.deepEqual(cfg.kafkaBrokers, ['127.0.0.1:9092']);
    assert.equal(cfg.schemaRegistryUrl, 'http://127.0.0.1:8081/apis/ccompat/v7');
    assert.equal(cfg.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(cfg.postgresUrl, 'postgres://md@127.0.0.1:5432/md');
    assert.deepEqual(cfg.clickhouse, { url: 'http://127.0.0.1:8123', database: 'md' });
    assert.equal(cfg.httpPort, 8080);
    assert.equal(cfg.grpcPort, 50051);
    assert.equal(cfg.ws.rateMaxMsgsPerSec, 100);
  });

  it('reads overrides', () => {
    const cfg = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      CLICKHOUSE_URL: 'https://ch.internal:8443/history',
      HTTP_PORT: '9000',
      WS_RATE_MAX_MSGS_PER_SEC: '10',
    });
    assert.deepEqual(cfg.kafkaBrokers, ['k1:9092', 'k2:9093']);
    assert.deepEqual(cfg.clickhouse, { url: 'https://ch.internal:8443', database: 'history' });
    assert.equal(cfg.httpPort, 9000);
    assert.equal(cfg.ws.rateMaxMsgsPerSec, 10);
  });

  const bad: [string, string, RegExp][] = [
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS must be a comma-separated list of host:port, got "localhost"/],
    ['KAFKA_BROKERS', 'a:1,b:99999', /KAFKA_BROKERS/],
    ['SCHEMA_REGISTRY_URL', 'not a url', /SCHEMA_REGISTRY_URL must be a URL \(http or https\)/],
    ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL must be a URL \(redis or rediss\)/],
    ['POSTGRES_URL', 'mysql://x/y', /POSTGRES_URL must be a URL \(postgres or postgresql\)/],
    ['CLICKHOUSE_URL', 'http://h:8123/bad-name', /CLICKHOUSE_URL must be a URL whose path is a database name/],
    ['HTTP_PORT', '80a', /HTTP_PORT must be a whole number from 1 to 65535, got "80a"/],
    ['HTTP_PORT', '70000', /HTTP_PORT must be a whole number from 1 to 65535/],
    ['GRPC_PORT', '-1', /GRPC_PORT must be a whole number/],
    ['WS_RATE_MAX_MSGS_PER_SEC', '0', /WS_RATE_MAX_MSGS_PER_SEC must be a whole number from 1 to 100000, got "0"/],
    ['WS_RATE_MAX_MSGS_PER_SEC', '1.5', /WS_RATE_MAX_MSGS_PER_SEC/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal\|error\|warn\|info\|debug\|trace\|silent, got "loud"/],
    ['MIGRATE_ON_START', 'maybe', /MIGRATE_ON_START must be true or false/],
    ['TRACING_ENABLED', 'sometimes', /TRACING_ENABLED must be true or false/],
    ['TRACE_SAMPLE_RATIO', '2', /TRACE_SAMPLE_RATIO must be a decimal fraction from 0 to 1, got "2"/],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317', /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be a URL \(http or https\)/],
    ['SHUTDOWN_DRAIN_TIMEOUT_MS', '5', /SHUTDOWN_DRAIN_TIMEOUT_MS must be a whole number from 100 to 600000/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}=${value} with one line naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.variable === name && message.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('the service refuses to start on bad config with exactly one line on stderr and exit code 2', () => {
    const r = spawnSync(process.execPath, [repoPath('dist/src/main.js')], {
      env: { ...process.env, HTTP_PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'config: HTTP_PORT must be a whole number from 1 to 65535, got "eighty"\n');
  });
});

describe('pricing config', () => {
  it('parses index sources with weights and the stand-in base URL', () => {
    const cfg = loadConfig({ INDEX_SOURCES: 'binance:2,okx:0.5', INDEX_EXCHANGE_BASE_URL: 'http://127.0.0.1:9100/' });
    assert.deepEqual(cfg.pricing.sources, [{ id: 'binance', weight: '2' }, { id: 'okx', weight: '0.5' }]);
    assert.equal(cfg.pricing.exchangeBaseUrl, 'http://127.0.0.1:9100');
    assert.equal(loadConfig({}).pricing.exchangeBaseUrl, undefined);
  });
  for (const [name, value] of [
    ['INDEX_SOURCES', 'binance'],
    ['INDEX_SOURCES', 'ftx:1'],
    ['INDEX_SOURCES', 'binance:0'],
    ['INDEX_SOURCES', 'binance:1,binance:2'],
    ['INDEX_MAX_DEVIATION', '5%'],
    ['INDEX_STALE_MS', '10'],
    ['INDEX_EXCHANGE_BASE_URL', 'ftp://x'],
  ] as const) {
    it(`rejects ${name}=${value} with one line`, () => {
      assert.throws(() => loadConfig({ [name]: value }), (e: unknown) => e instanceof ConfigError && e.variable === name && !e.message.includes('\n'));
    });
  }
});
