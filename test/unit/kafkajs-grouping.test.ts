import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
type Grouping = (a: { topic: string; partitionMetadata: unknown[]; messages: { key: string }[]; partitioner: (a: { message: { key: string } }) => number }) => Record<number, unknown[]>;
const original = require(path) as Grouping; // kafkajs's own, taken before the replacement is installed
const { kafkajsGroupingIsLinear } = await import('../../src/ingest/kafkajs-linear-grouping.js');
const replaced = require(path) as Grouping;

describe("kafkajs's per-partition grouping, replaced by a linear one", () => {
  it('is what kafkajs requires once installed', () => {
    assert.notEqual(replaced, original);
    assert.ok(kafkajsGroupingIsLinear());
  });

  it('groups exactly as kafkajs does: same partitions, same messages, same order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.string(), p: fc.nat(7) }), { maxLength: 300 }), fc.integer({ min: 0, max: 8 }), (msgs, partitions) => {
        const args = { topic: 't', partitionMetadata: Array.from({ length: partitions }, (_, i) => ({ partitionId: i })), messages: msgs, partitioner: ({ message }: { message: { key: string } }) => (message as unknown as { p: number }).p };
        assert.deepEqual(replaced(args), original(args));
      }),
    );
  });
});
