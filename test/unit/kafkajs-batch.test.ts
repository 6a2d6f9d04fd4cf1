import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KafkajsBatch, LeanBatch, leanBatchInstalled } from '../../src/ingest/kafkajs-batch.js';

type Batch = InstanceType<typeof LeanBatch> & Record<string, () => unknown>;
const METHODS = ['isEmpty', 'isEmptyIncludingFiltered', 'isEmptyDueToFiltering', 'isEmptyControlRecord', 'isEmptyDueToLogCompactedMessages', 'firstOffset', 'lastOffset', 'offsetLag', 'offsetLagLow'];

/** Every field and every method's answer, as a user of the batch sees them. */
const seen = (b: Batch) => ({ fields: { ...b }, answers: METHODS.map((m) => b[m]!()) });

// a partition's fetch response: ascending offsets from `start`, some transactional (producers 1-3), some control records (commit/abort markers)
const response = fc
  .record({
    start: fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 2n ** 53n - 20n, max: 2n ** 53n + 20n })),
    gaps: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 30 }),
    kinds: fc.array(fc.record({ producer: fc.constantFrom('1', '2', '3'), tx: fc.boolean(), control: fc.constantFrom(null, 0, 1) }), { minLength: 30, maxLength: 30 }),
    fetchBack: fc.integer({ min: -3, max: 12 }),
    aborted: fc.array(fc.record({ producerId: fc.constantFrom('1', '2', '3'), back: fc.nat(40) }), { maxLength: 3 }),
  })
  .map(({ start, gaps, kinds, fetchBack, aborted }) => {
    let offset = start;
    const messages = gaps.map((gap, i) => {
      const k = kinds[i]!;
      const m = { offset: String(offset), key: k.control === null ? null : Buffer.from([0, 0, 0, k.control]), isControlRecord: k.control !== null, batchContext: { producerId: k.producer, inTransaction: k.tx } };
      offset += BigInt(gap);
      return m;
    });
    const fetched = String(start + BigInt(fetchBack));
    const partitionData = { partition: 3, highWatermark: String(offset), abortedTransactions: aborted.map((a) => ({ producerId: a.producerId, firstOffset: String(start + BigInt(a.back)) })), messages };
    return { fetched, partitionData };
  });

describe("kafkajs's Batch, replaced by one that does not parse every offset", () => {
  it('is what kafkajs builds batches with once installed (before its consumer group loads)', () => {
    assert.ok(leanBatchInstalled());
    assert.ok(new LeanBatch('t', '0', { partition: 0, highWatermark: '0', messages: [] }) instanceof KafkajsBatch!);
  });

  it('holds the same messages and answers as kafkajs: fetch offset inside, before or past the messages, control records, aborted transactions, offsets past 2^53', () => {
    fc.assert(
      fc.property(response, ({ fetched, partitionData }) => {
        const lean = new LeanBatch('t', fetched, partitionData) as Batch;
        const kafkajs = new KafkajsBatch!('t', fetched, partitionData) as Batch;
        assert.deepStrictEqual(seen(lean), seen(kafkajs));
      }),
      { numRuns: 500 },
    );
  });
});
