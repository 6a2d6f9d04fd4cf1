import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../src/config.js';
import { readSchemaFile, registerTopicSchema } from '../../src/contract/avro-codec.js';
import { SCHEMA_FILE } from '../../src/contract/topics.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { Partitioners } from '../../src/ingest/kafkajs.js';
import { fetchSessionCounts } from '../../src/ingest/kafkajs-fetch-sessions.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { createClickHouse } from '../../src/store/clickhouse.js';
import { createPostgresPool } from '../../src/store/postgres.js';
import { createRedis } from '../../src/store/redis.js';

const cfg = loadConfig();
const log = createLogger('warn');

describe('the real stack round trips', () => {
  it('an Avro message through the real broker and registry, in Confluent wire format', async () => {
    const kafka = createKafka(cfg.kafkaBrokers, 'test-roundtrip', log);
    const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
    const topic = `test.roundtrip.${randomUUID()}`;
    const schema = {
      type: 'record',
      name: 'RoundTrip',
      namespace: 'test.md',
      fields: [
        { name: 'symbol', type: 'string' },
        { name: 'price', type: 'string' },
        { name: 'sequence', type: 'long' },
      ],
    };
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
    const value = { symbol: 'BTCUSDT-PERP', price: '64123.45', sequence: 9007199254740 };
    const encoded = await registry.encode(id, value);
    assert.equal(encoded[0], 0, 'magic byte');
    assert.equal(encoded.readInt32BE(1), id, 'schema id follows the magic byte');

    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: value.symbol, value: encoded }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<{ key: string; value: unknown }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: message.key!.toString(), value: { ...(await registry.decode(message.value!)) } });
          },
        });
      });
      assert.deepEqual(received, { key: 'BTCUSDT-PERP', value });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('a read_committed consumer never gets a message of an aborted transaction, even when aborted transactions overlap', async () => {
    // what a core's two round producers (or a dead core's open round beside its successor's) leave
    // in an md.* partition; the broker lists the aborted transactions in abort-marker order
    const kafka = createKafka(cfg.kafkaBrokers, 'test-aborted', log);
    const topic = `test.aborted.${randomUUID()}`;
    const admin = kafka.admin();
    const producer = (id: string) => kafka.producer({ transactionalId: `${topic}.${id}`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    const [a, b] = [producer('a'), producer('b')];
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await a.connect();
      await b.connect();
      const ta = await a.transaction();
      await ta.send({ topic, messages: [{ value: 'a1 aborted' }] });
      const tb = await b.transaction();
      await tb.send({ topic, messages: [{ value: 'b1 aborted' }] });
      await tb.abort();
      await ta.send({ topic, messages: [{ value: 'a2 aborted' }] });
      await ta.abort();
      const tc = await b.transaction();
      await tc.send({ topic, messages: [{ value: 'b2 committed' }] });
      await tc.commit();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${JSON.stringify(seen)} within 30 s`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.includes('b2 committed')) (clearTimeout(timer), resolve());
          },
        });
      });
      assert.deepEqual(seen, ['b2 committed']);
    } finally {
      await consumer.disconnect();
      await Promise.all([a.disconnect(), b.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('a consumer in a fetch session gets every message once and in order over 40 partitions, none of a paused topic until it resumes', async () => {
    const kafka = createKafka(cfg.kafkaBrokers, 'test-fetch-session', log);
    const prefix = `test.session.${randomUUID()}`;
    const topics = Array.from({ length: 20 }, (_, i) => `${prefix}.${i}`);
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const before = { ...fetchSessionCounts };
    try {
      await admin.connect();
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const seen = new Map<string, number[]>();
      let pausedSeen = 0;
      let paused = false;
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const key = `${topic}/${partition}`;
          if (paused && topic === topics[0]) pausedSeen++;
          seen.set(key, [...(seen.get(key) ?? []), Number(message.value!.toString())]);
        },
      });
      const sent = new Map<string, number[]>();
      let n = 0;
      const sendRound = async () => {
        // a few partitions move in each round, the others stay where they are (what a session leaves out)
        for (let k = 0; k < 6; k++) {
          const topic = topics[(n * 7 + k * 3) % topics.length]!;
          const partition = (n + k) % 2;
          const value = ++n;
          await producer.send({ topic, messages: [{ value: String(value), partition }] });
          sent.set(`${topic}/${partition}`, [...(sent.get(`${topic}/${partition}`) ?? []), value]);
        }
        await new Promise((r) => setTimeout(r, 150));
      };
      const total = () => [...seen.values()].reduce((a, v) => a + v.length, 0);
      const waitFor = async (count: number) => {
        for (const deadline = Date.now() + 30_000; total() < count; await new Promise((r) => setTimeout(r, 50))) {
          if (Date.now() > deadline) throw new Error(`${total()} of ${count} messages within 30 s`);
        }
      };
      for (let i = 0; i < 8; i++) await sendRound();
      await waitFor(n);
      consumer.pause([{ topic: topics[0]! }]);
      paused = true;
      const pausedBefore = (seen.get(`${topics[0]}/0`)?.length ?? 0) + (seen.get(`${topics[0]}/1`)?.length ?? 0);
      for (let i = 0; i < 8; i++) {
        await sendRound();
        await producer.send({ topic: topics[0]!, messages: [{ value: String(++n), partition: 0 }] });
        sent.set(`${topics[0]}/0`, [...(sent.get(`${topics[0]}/0`) ?? []), n]);
      }
      const heldBack = [...sent.entries()].filter(([k]) => k.startsWith(`${topics[0]}/`)).reduce((a, [, v]) => a + v.length, 0) - pausedBefore;
      await waitFor(n - heldBack);
      assert.equal(pausedSeen, 0, 'nothing of the paused topic while it is paused');
      paused = false;
      consumer.resume([{ topic: topics[0]! }]);
      for (let i = 0; i < 4; i++) await sendRound();
      await waitFor(n);
      await new Promise((r) => setTimeout(r, 500)); // a message delivered twice would show up meanwhile
      assert.deepEqual(new Map([...seen].sort()), new Map([...sent].sort()), 'every message once, in order, per partition');
      const incremental = fetchSessionCounts.incremental - before.incremental;
      const opened = fetchSessionCounts.opened - before.opened;
      assert.ok(incremental > 10 * opened, `fetches in the session: ${incremental} incremental beside ${opened} opened`);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('transactions of a producer ask the broker for their coordinator once, not before every request, and every committed message is read once', async () => {
    const kafka = createKafka(cfg.kafkaBrokers, 'test-coordinators', log);
    const topic = `test.coordinators.${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({ transactionalId: `test-coordinators-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const requests = new Map<string, number>();
    producer.on(producer.events.REQUEST, (e) => requests.set(e.payload.apiName, (requests.get(e.payload.apiName) ?? 0) + 1));
    const TRANSACTIONS = 12;
    const PARTITIONS = 3;
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
      await producer.connect();
      let n = 0;
      for (let t = 0; t < TRANSACTIONS; t++) {
        const tx = await producer.transaction();
        // one send per partition: each adds its partition to the transaction first (AddPartitionsToTxn)
        for (let p = 0; p < PARTITIONS; p++) await tx.send({ topic, messages: [{ value: String(++n), partition: p }] });
        if (t % 4 === 3) await tx.abort();
        else await tx.commit();
      }
      const count = (api: string) => requests.get(api) ?? 0;
      // requests refused by the coordinator itself (CONCURRENT_TRANSACTIONS right after a commit,
      // typically a few here) are retried against it, without a new lookup
      assert.equal(count('EndTxn') >= TRANSACTIONS, true);
      assert.equal(count('GroupCoordinator'), 1, `${JSON.stringify(Object.fromEntries(requests))}: kafkajs alone asks ${TRANSACTIONS * (PARTITIONS + 1)} times or more`);
      const expected = Array.from({ length: n }, (_, i) => i + 1).filter((v) => Math.floor((v - 1) / PARTITIONS) % 4 !== 3);
      const seen: number[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      void consumer.run({ eachMessage: async ({ message }) => void seen.push(Number(message.value!.toString())) });
      for (const deadline = Date.now() + 30_000; seen.length < expected.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500)); // an aborted or doubled message would show up meanwhile
      assert.deepEqual([...seen].sort((a, b) => a - b), expected, 'the committed transactions, each message once; nothing of the aborted ones');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('a schema registered without its compatibility step (a timed-out or concurrent first attempt) is still taken by the next registration', async () => {
    const registry = createSchemaRegistry(cfg.schemaRegistryUrl);
    const topic = `test.half-registered.${randomUUID()}`;
    // what a first attempt cut short leaves: the schema under the subject, no compatibility set on it
    const raw = await fetch(`${cfg.schemaRegistryUrl}/subjects/${topic}-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(readSchemaFile(SCHEMA_FILE.events)) }),
    });
    const body = await raw.text();
    assert.equal(raw.status, 200, body);
    const { id } = JSON.parse(body) as { id: number };
    const encoder = await registerTopicSchema(registry, topic, SCHEMA_FILE.events);
    assert.equal(encoder.schemaId, id);
    // a schema that is not there is still refused while the subject's level differs
    await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] }) }, { subject: `${topic}-value` }));
  });

  it('exact decimals into and out of ClickHouse', async () => {
    const admin = createClickHouse(cfg.clickhouse, 'default');
    const table = `${cfg.clickhouse.database}.test_roundtrip_${randomUUID().replaceAll('-', '')}`;
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${cfg.clickhouse.database}` });
    await admin.command({ query: `CREATE TABLE ${table} (id String, price Decimal(38, 18)) ENGINE = MergeTree ORDER BY id` });
    try {
      const rows = [
        ['a', '0.000000000000000001'],
        ['b', '64123.450000000000000001'],
        ['c', '99999999999999999999.999999999999999999'],
      ];
      const tsv = rows.map((r) => r.join('\t')).join('\n') + '\n';
      await admin.insert({ table, values: Readable.from([tsv], { objectMode: false }), format: 'TabSeparated' });
      const rs = await admin.query({ query: `SELECT id, toString(price) AS price FROM ${table} ORDER BY id`, format: 'JSONEachRow' });
      const got = await rs.json<{ id: string; price: string }>();
      assert.deepEqual(
        got.map((r) => [r.id, r.price]),
        [
          ['a', '0.000000000000000001'],
          ['b', '64123.450000000000000001'],
          ['c', '99999999999999999999.999999999999999999'],
        ],
      );
    } finally {
      await admin.command({ query: `DROP TABLE IF EXISTS ${table}` });
      await admin.close();
    }
  });

  it('exact numerics into and out of PostgreSQL', async () => {
    const pool = createPostgresPool(cfg.postgresUrl, log);
    after(() => pool.end());
    const values = ['0.000000000000000001', '64123.450000000000000001', '123456789012345678901234567890.5'];
    const { rows } = await pool.query<{ v: string }>('SELECT unnest($1::numeric[])::text AS v', [values]);
    assert.deepEqual(
      rows.map((r) => r.v),
      values,
    );
  });

  it('a hash into and out of Redis', async () => {
    const redis = createRedis(cfg.redisUrl, log);
    const key = `test:roundtrip:${randomUUID()}`;
    await redis.hset(key, { bid: '64123.45', ask: '64123.50' });
    assert.deepEqual(await redis.hgetall(key), { bid: '64123.45', ask: '64123.50' });
    await redis.del(key);
    await redis.quit();
  });
});
