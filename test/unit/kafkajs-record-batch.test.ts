import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import { kafkajsProduceRequest, leanProduceRequest, leanProduceRequestInstalled, produceCrcIsNative, type ProduceArgs } from '../../src/ingest/kafkajs-produce-request.js';

const require = createRequire(import.meta.url);
const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): { toString(): string } };

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const field = fc.oneof(bytes, text, fc.constant(null));
const stamp = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 });
const message = fc.record(
  {
    key: fc.oneof(field, fc.constant(undefined)),
    value: field,
    headers: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(bytes, text, fc.array(fc.oneof(bytes, text), { maxLength: 3 }))),
    timestamp: fc.oneof(stamp, stamp.map(String)),
  },
  { requiredKeys: ['value'] },
);
const args = fc.record({
  acks: fc.constantFrom(-1, 1),
  timeout: fc.nat(60_000),
  transactionalId: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 20 })),
  producerId: fc.bigInt({ min: -1n, max: 2n ** 62n }).map((n) => Long.fromString(String(n))),
  producerEpoch: fc.nat(32_767),
  topicData: fc.array(
    fc.record({
      topic: fc.string({ minLength: 1, maxLength: 30 }),
      partitions: fc.array(fc.record({ partition: fc.nat(63), firstSequence: fc.nat(2 ** 31 - 1), messages: fc.array(message, { minLength: 1, maxLength: 25 }) }), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

const encoded = async (build: (a: ProduceArgs) => { encode(): Promise<{ buffer: Buffer }> }, a: ProduceArgs) => (await build(a).encode()).buffer;

describe("produce requests encoded in one pass, replacing kafkajs's record encoding", () => {
  it("is in kafkajs's module cache in place of its produce request v3 (which v4 to v7 require)", () => {
    assert.ok(leanProduceRequestInstalled());
  });

  it('takes its CRC-32C from the native library on this platform', () => {
    assert.ok(produceCrcIsNative(), '@node-rs/crc32 did not load: npm ci installs its binary for this platform');
  });

  it('writes byte for byte what kafkajs writes: keys, values, headers, timestamps, producer fields, CRC', async () => {
    const now = mock.method(Date, 'now', () => 1_765_000_000_123);
    try {
      await fc.assert(
        fc.asyncProperty(args, async (a) => {
          assert.deepEqual(await encoded(leanProduceRequest, a), await encoded(kafkajsProduceRequest!, a));
        }),
        { numRuns: 300 },
      );
    } finally {
      now.mock.restore();
    }
  });

  it('gives messages without a timestamp the time of encoding, as kafkajs does', async () => {
    const now = mock.method(Date, 'now', () => 1_765_000_000_999);
    try {
      const a: ProduceArgs = { acks: -1, timeout: 5000, transactionalId: 'tx', producerId: Long.fromString('42'), producerEpoch: 3, topicData: [{ topic: 'md.trades', partitions: [{ partition: 2, firstSequence: 7, messages: [{ key: 'BTC-USDT', value: Buffer.from([1, 2, 3]) }, { key: null, value: 'x', timestamp: 1_765_000_000_000 }] }] }] };
      const lean = await encoded(leanProduceRequest, a);
      assert.deepEqual(lean, await encoded(kafkajsProduceRequest!, a));
      // the batch's first timestamp (after topic, partition, size, base offset, length, epoch, magic, crc, attributes, last delta) is the one given
      const batchAt = 2 + 2 + 2 + 4 + 4 + 2 + 'md.trades'.length + 4 + 4 + 4;
      assert.equal(lean.readBigInt64BE(batchAt + 8 + 4 + 4 + 1 + 4 + 2 + 4), 1_765_000_000_000n);
    } finally {
      now.mock.restore();
    }
  });

  it('leaves compressed batches to kafkajs (the same gzip batch)', async () => {
    const now = mock.method(Date, 'now', () => 1_765_000_000_999);
    try {
      const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 3}`, value: `value ${i} `.repeat(20) }));
      const a: ProduceArgs = { acks: -1, timeout: 1, compression: 1, producerEpoch: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages }] }] };
      const lean = await encoded(leanProduceRequest, a);
      assert.deepEqual(lean, await encoded(kafkajsProduceRequest!, a));
      assert.ok(lean.length < 1000, `gzip batch expected, got ${lean.length} bytes`);
    } finally {
      now.mock.restore();
    }
  });
});
