import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
type Message = { offset: string; key: Buffer | null; isControlRecord: boolean; value: string; batchContext: { producerId: string; inTransaction: boolean } };
type Filter = (a: { messages: Message[]; abortedTransactions: { producerId: string; firstOffset: string }[] }) => Message[];
const original = require(require.resolve('kafkajs/src/consumer/filterAbortedMessages.js')) as Filter; // kafkajs's own, before the replacement
const { kafkajsAbortFilterIsCorrect } = await import('../../src/ingest/kafkajs-aborted-filter.js');
type BatchClass = new (topic: string, fetchedOffset: string, data: unknown) => { messages: Message[] };
const Batch = require(require.resolve('kafkajs/src/consumer/batch.js')) as BatchClass;

/**
 * A partition's log as the broker keeps it: transactional producers 1-4 interleave their
 * transactions (each ends in a commit or abort marker), producer 0 writes outside transactions.
 * The aborted-transaction list comes in abort-marker order, as the broker sends it.
 */
function buildLog(ops: { producer: number; op: 'send' | 'commit' | 'abort' }[]) {
  const log: Message[] = [];
  const open = new Map<number, number>(); // producer -> first offset
  const aborted: { producerId: string; firstOffset: string; markerOffset: number }[] = [];
  const committed = new Set<string>();
  const end = (producer: number, commit: boolean) => {
    const first = open.get(producer);
    if (first === undefined) return;
    open.delete(producer);
    const at = log.length;
    log.push({ offset: String(at), key: Buffer.from([0, 0, 0, commit ? 1 : 0]), isControlRecord: true, value: '', batchContext: { producerId: String(producer), inTransaction: true } });
    if (commit) for (const m of log) if (m.batchContext.producerId === String(producer) && !m.isControlRecord && Number(m.offset) >= first) committed.add(m.value);
    if (!commit) aborted.push({ producerId: String(producer), firstOffset: String(first), markerOffset: at });
  };
  for (const { producer, op } of ops) {
    if (op === 'send') {
      const at = log.length;
      const value = `m${at}`;
      if (producer === 0) committed.add(value);
      else if (!open.has(producer)) open.set(producer, at);
      log.push({ offset: String(at), key: null, isControlRecord: false, value, batchContext: { producerId: String(producer), inTransaction: producer !== 0 } });
    } else if (producer !== 0) end(producer, op === 'commit');
  }
  for (const p of [...open.keys()]) end(p, p % 2 === 0);
  return { log, aborted, committed };
}

const opsArb = fc.array(fc.record({ producer: fc.integer({ min: 0, max: 4 }), op: fc.constantFrom('send' as const, 'send' as const, 'commit' as const, 'abort' as const) }), { minLength: 1, maxLength: 200 });

describe("kafkajs's aborted-transaction filter, replaced by one that handles overlapping transactions", () => {
  it('is what kafkajs batches use once installed', () => {
    assert.ok(kafkajsAbortFilterIsCorrect());
  });

  it("kafkajs's own filter passes on a message of an aborted transaction when two aborted ones overlap", () => {
    const { log, aborted } = buildLog([
      { producer: 1, op: 'send' },
      { producer: 2, op: 'send' },
      { producer: 2, op: 'abort' },
      { producer: 1, op: 'send' },
      { producer: 1, op: 'abort' },
    ]);
    const passed = original({ messages: log, abortedTransactions: aborted }).filter((m) => !m.isControlRecord);
    assert.deepEqual(passed.map((m) => m.value), ['m0']);
  });

  it('a fetch from any offset yields exactly the committed messages from there, in log order', () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), (ops, startSeed) => {
        const { log, aborted, committed } = buildLog(ops);
        const start = log.length ? startSeed % log.length : 0;
        // the broker lists the aborted transactions that end at or after the fetch offset
        const listed = aborted.filter((t) => t.markerOffset >= start).map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
        const batch = new Batch('t', String(start), { partition: 0, highWatermark: String(log.length), abortedTransactions: listed, messages: log });
        const expected = log.filter((m) => !m.isControlRecord && Number(m.offset) >= start && committed.has(m.value)).map((m) => m.value);
        assert.deepEqual(batch.messages.map((m) => m.value), expected);
      }),
      { numRuns: 500 },
    );
  });
});
