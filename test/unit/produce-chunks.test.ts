import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TopicMessages } from 'kafkajs';
import { chunkByPartitionBytes, messageBytes } from '../../src/ingest/produce-chunks.js';

const msg = (partition: number | undefined, bytes: number, id: number) => ({ key: 'K', value: Buffer.alloc(bytes, id % 251), partition, headers: { id: String(id) } });

describe('chunkByPartitionBytes (produce requests a broker accepts)', () => {
  it('sends nothing for a round without messages (offsets only)', () => {
    assert.deepEqual(chunkByPartitionBytes([]), []);
    assert.deepEqual(chunkByPartitionBytes([{ topic: 'a', messages: [] }]), []);
  });

  it('keeps a small round in one request', () => {
    const round: TopicMessages[] = [{ topic: 'a', messages: [msg(0, 100, 1), msg(1, 100, 2)] }, { topic: 'b', messages: [msg(undefined, 100, 3)] }];
    assert.deepEqual(chunkByPartitionBytes(round, 10_000), [round]);
  });

  it('cuts a partition of 3 MiB into requests of at most the budget each, in order', () => {
    const messages = Array.from({ length: 3000 }, (_, i) => msg(0, 1000, i));
    const chunks = chunkByPartitionBytes([{ topic: 'md.trades.v1.BTCUSDT', messages }], 768 * 1024);
    assert.equal(chunks.length, 4);
    for (const c of chunks) assert.ok(c[0]!.messages.reduce((a, m) => a + messageBytes(m), 0) <= 768 * 1024);
    assert.deepEqual(chunks.flatMap((c) => c[0]!.messages), messages);
  });

  it('property: every message sent once, per-partition order kept, no partition over budget unless a message alone is', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ topic: fc.constantFrom('t1', 't2', 't3'), partition: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), bytes: fc.integer({ min: 0, max: 3000 }) }), { maxLength: 300 }),
        fc.integer({ min: 500, max: 20_000 }),
        (specs, budget) => {
          const byTopic = new Map<string, ReturnType<typeof msg>[]>();
          specs.forEach((s, i) => {
            const list = byTopic.get(s.topic) ?? [];
            byTopic.set(s.topic, list);
            list.push(msg(s.partition, s.bytes, i));
          });
          const round = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
          const chunks = chunkByPartitionBytes(round, budget);
          const key = (topic: string, m: { partition?: number }) => `${topic}/${m.partition ?? '*'}`;
          const sent = new Map<string, string[]>();
          for (const chunk of chunks) {
            const bytes = new Map<string, { total: number; count: number }>();
            for (const { topic, messages } of chunk) {
              for (const m of messages) {
                const k = key(topic, m);
                sent.set(k, [...(sent.get(k) ?? []), String(m.headers!.id)]);
                const b = bytes.get(k) ?? { total: 0, count: 0 };
                b.total += messageBytes(m);
                b.count++;
                bytes.set(k, b);
              }
            }
            for (const b of bytes.values()) assert.ok(b.total <= budget || b.count === 1);
          }
          const expected = new Map<string, string[]>();
          for (const { topic, messages } of round) for (const m of messages) expected.set(key(topic, m), [...(expected.get(key(topic, m)) ?? []), String(m.headers.id)]);
          assert.deepEqual(sent, expected);
        },
      ),
    );
  });
});
