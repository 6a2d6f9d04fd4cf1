import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoPath } from '../../src/paths.js';

// kafkajs's patches are installed by src/ingest/kafkajs.ts before kafkajs loads; a module that
// imports kafkajs's values directly can load it first, and consumers would then run unpatched.
// the plain kafkajs floors, each in its own process
const ALLOWED = new Set(['src/ingest/kafkajs.ts', 'bench/lib/group-member.ts', 'bench/lib/plain-delivery.ts']);

function tsFiles(dir: string): string[] {
  return readdirSync(repoPath(dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('kafkajs imports', () => {
  it('importing src/ingest/kafkajs.ts (what the service does first) puts every patch in effect', async () => {
    await import('../../src/ingest/kafkajs.js');
    const { kafkajsAbortFilterIsCorrect } = await import('../../src/ingest/kafkajs-aborted-filter.js');
    const { kafkajsGroupingIsLinear } = await import('../../src/ingest/kafkajs-linear-grouping.js');
    const { rebalanceHooksInstalled } = await import('../../src/ingest/kafkajs-rebalance-hooks.js');
    const { memberReuseInstalled } = await import('../../src/ingest/kafkajs-member-reuse.js');
    const { leanProduceRequestInstalled } = await import('../../src/ingest/kafkajs-produce-request.js');
    const { leanRecordDecoderInUse } = await import('../../src/ingest/kafkajs-record-decoder.js');
    const { leanBatchInstalled } = await import('../../src/ingest/kafkajs-batch.js');
    const { fetchSessionsInstalled } = await import('../../src/ingest/kafkajs-fetch-sessions.js');
    const { transactionManagerPatched } = await import('../../src/ingest/kafkajs-transaction-manager.js');
    const { idleQueueFixInstalled } = await import('../../src/ingest/kafkajs-request-queue.js');
    const { encodeRecordBatch } = await import('../../src/ingest/kafkajs-record-batch.js');
    const batch = encodeRecordBatch([{ key: 'k', value: 'v' }], { producerId: 1, producerEpoch: 0, firstSequence: 0, transactional: false }, () => 0);
    assert.deepEqual(
      [kafkajsAbortFilterIsCorrect(), kafkajsGroupingIsLinear(), rebalanceHooksInstalled(), memberReuseInstalled(), leanProduceRequestInstalled(), await leanRecordDecoderInUse(batch), leanBatchInstalled(), fetchSessionsInstalled(), transactionManagerPatched(), idleQueueFixInstalled()],
      [true, true, true, true, true, true, true, true, true, true],
    );
  });

  it("no module but src/ingest/kafkajs.ts imports kafkajs's values (types are fine)", () => {
    const offenders = ['src', 'test', 'bench', 'chaos']
      .flatMap(tsFiles)
      .filter((f) => !ALLOWED.has(f))
      .filter((f) => /^import\s+(?!type\b)[^;]*from\s+'kafkajs'/m.test(readFileSync(repoPath(f), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
