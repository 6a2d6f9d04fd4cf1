import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kafkajsRecordDecoder, leanRecordDecoder, leanRecordDecoderInUse, type RecordContext } from '../../src/ingest/kafkajs-record-decoder.js';
import { encodeRecordBatch, type ProduceMessage } from '../../src/ingest/kafkajs-record-batch.js';

const require = createRequire(import.meta.url);
type Decoder = { offset: number; readVarIntBytes(): Buffer };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => Decoder;
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

const RECORDS_AT = 61; // first offset, length, epoch, magic, crc, attributes, last delta, timestamps, producer, sequence, count
const producer = { producerId: 7, producerEpoch: 0, firstSequence: 0, transactional: true };

/** The encoded records of `messages`, each as kafkajs hands it to the record decoder. */
function recordBuffers(messages: ProduceMessage[], now: number): Buffer[] {
  const d = new Decoder(encodeRecordBatch(messages, producer, crc32C, now));
  d.offset = RECORDS_AT;
  return messages.map(() => d.readVarIntBytes());
}

const bytes = fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a));
const field = fc.oneof(bytes, fc.string({ maxLength: 20 }), fc.constant(null));
const header = fc.oneof(bytes, fc.string({ maxLength: 10 }));
const messages = (stamp: fc.Arbitrary<number>) =>
  fc.array(
    fc.record({
      key: field,
      value: field,
      // few distinct keys, so repeated header keys (kafkajs then gives an array) come up
      headers: fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom('a', 'b', 'trace', '1'), fc.oneof(header, fc.array(header, { maxLength: 3 })))),
      timestamp: fc.oneof(fc.constant(undefined), stamp),
    }),
    { minLength: 1, maxLength: 20 },
  );
const context = fc.record({
  firstOffset: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 2n ** 53n - 30n, max: 2n ** 62n })).map(String),
  firstTimestamp: fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.constant(0), fc.integer({ min: -(2 ** 40), max: -1 }), fc.bigInt({ min: 2n ** 53n - 30n, max: 2n ** 62n })).map(String),
  magicByte: fc.constant(2),
  isControlBatch: fc.boolean(),
  timestampType: fc.constantFrom(0, 1),
  maxTimestamp: fc.oneof(fc.constant('1765000000000'), fc.constant('')),
});

const decodeAll = (decode: (d: Decoder, ctx: RecordContext) => unknown, records: Buffer[], ctx: RecordContext) => {
  const shared = { ...ctx }; // one context per batch, as kafkajs passes it
  return records.map((r) => decode(new Decoder(r), shared));
};

describe("fetched records decoded with number arithmetic, replacing kafkajs's Long-based record decoder", () => {
  it('is what kafkajs decodes fetched record batches with once installed', async () => {
    assert.ok(await leanRecordDecoderInUse(encodeRecordBatch([{ key: 'k', value: 'v' }], producer, crc32C)));
  });

  it('gives what kafkajs gives: offsets, timestamps (create and log-append time), keys, values, headers with repeated keys', () => {
    fc.assert(
      fc.property(messages(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 })), context, fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), (ms, ctx, now) => {
        const records = recordBuffers(ms, now);
        assert.deepStrictEqual(decodeAll(leanRecordDecoder as never, records, ctx), decodeAll(kafkajsRecordDecoder as never, records, ctx));
      }),
      { numRuns: 300 },
    );
  });

  it('gives what kafkajs gives where the numbers leave the exact range (8-byte timestamp deltas, offsets past 2^53)', () => {
    fc.assert(
      fc.property(messages(fc.integer({ min: 0, max: 2 ** 52 - 1 })), context, (ms, ctx) => {
        const records = recordBuffers(ms, 0);
        assert.deepStrictEqual(decodeAll(leanRecordDecoder as never, records, ctx), decodeAll(kafkajsRecordDecoder as never, records, ctx));
      }),
      { numRuns: 200 },
    );
  });
});
