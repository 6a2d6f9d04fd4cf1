// The coordinator cache of transactional producers, against a cluster stand-in that counts its
// lookups: one lookup per coordinator while its requests succeed or it refuses them itself, a fresh
// one after it says it is not the coordinator or cannot be reached, after a failed lookup, and
// after the time-to-live.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachingCoordinators, COORDINATOR_TTL_MS, type CoordinatorCluster } from '../../src/ingest/kafkajs-coordinator-cache.js';

const TRANSACTION = 1;

function cluster() {
  const lookups: string[] = [];
  let failLookup = false;
  let generation = 0;
  const c = {
    lookups,
    failNextLookup: () => (failLookup = true),
    requestsFail: false,
    refusesConcurrent: false,
    async findGroupCoordinator({ groupId, coordinatorType }: { groupId: string; coordinatorType?: number }) {
      lookups.push(`${coordinatorType ?? 0}:${groupId}`);
      if (failLookup) {
        failLookup = false;
        throw new Error('GROUP_COORDINATOR_NOT_AVAILABLE');
      }
      const nodeId = ++generation;
      return {
        nodeId,
        endTxn: async () => {
          if (c.requestsFail) throw Object.assign(new Error('This is not the correct coordinator for this group'), { type: 'NOT_COORDINATOR_FOR_GROUP' });
          if (c.refusesConcurrent) throw Object.assign(new Error('The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS' });
          return nodeId;
        },
        addPartitionsToTxn: async () => {
          throw Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' });
        },
        throwsAtOnce: () => {
          throw new Error('not connected');
        },
      };
    },
    refreshMetadata: async function (this: unknown) {
      return this;
    },
  };
  return c;
}

type Coordinator = { nodeId: number; endTxn(): Promise<number>; addPartitionsToTxn(): Promise<never>; throwsAtOnce(): never };
const find = (c: CoordinatorCluster, groupId = 'tx-1', coordinatorType = TRANSACTION) => c.findGroupCoordinator({ groupId, coordinatorType }) as unknown as Promise<Coordinator>;

describe('kafkajs transactional coordinator cache', () => {
  it('looks a coordinator up once while requests through it succeed, per id and type', async () => {
    const inner = cluster();
    const cached = cachingCoordinators(inner);
    for (let i = 0; i < 5; i++) assert.equal(await (await find(cached)).endTxn(), 1);
    await find(cached, 'group-a', 0);
    await find(cached, 'group-a', 0);
    await find(cached, 'tx-2');
    assert.deepEqual(inner.lookups, ['1:tx-1', '0:group-a', '1:tx-2']);
  });

  it('looks it up again after a request through it fails, and kafkajs sees the failure as before', async () => {
    const inner = cluster();
    const cached = cachingCoordinators(inner);
    assert.equal(await (await find(cached)).endTxn(), 1);
    inner.requestsFail = true;
    await assert.rejects((await find(cached)).endTxn(), /not the correct coordinator/);
    inner.requestsFail = false;
    assert.equal(await (await find(cached)).endTxn(), 2, 'the retry reaches the coordinator found afresh');
    assert.equal(await (await find(cached)).endTxn(), 2);
    const coordinator = await find(cached);
    assert.throws(() => coordinator.throwsAtOnce(), /not connected/);
    await find(cached);
    assert.deepEqual(inner.lookups, ['1:tx-1', '1:tx-1', '1:tx-1']);
  });

  it('keeps it after a refusal the coordinator itself gave (CONCURRENT_TRANSACTIONS), forgets it after a lost connection', async () => {
    const inner = cluster();
    const cached = cachingCoordinators(inner);
    inner.refusesConcurrent = true;
    for (let i = 0; i < 3; i++) await assert.rejects((await find(cached)).endTxn(), /concurrent operation/);
    inner.refusesConcurrent = false;
    assert.equal(await (await find(cached)).endTxn(), 1, 'the retries went to the same coordinator');
    assert.deepEqual(inner.lookups, ['1:tx-1']);
    await assert.rejects((await find(cached)).addPartitionsToTxn(), /Connection timeout/);
    assert.equal((await find(cached)).nodeId, 2);
    assert.deepEqual(inner.lookups, ['1:tx-1', '1:tx-1']);
  });

  it('does not keep a failed lookup', async () => {
    const inner = cluster();
    const cached = cachingCoordinators(inner);
    inner.failNextLookup();
    await assert.rejects(find(cached), /NOT_AVAILABLE/);
    assert.equal((await find(cached)).nodeId, 1);
    assert.equal(inner.lookups.length, 2);
  });

  it('looks it up again once the time-to-live has passed', async () => {
    const inner = cluster();
    let now = 0;
    const cached = cachingCoordinators(inner, () => now);
    await find(cached);
    now = COORDINATOR_TTL_MS - 1;
    await find(cached);
    now = COORDINATOR_TTL_MS;
    assert.equal((await find(cached)).nodeId, 2);
    assert.equal(inner.lookups.length, 2);
  });

  it("passes everything else to the cluster itself (its methods run with the cluster as this)", async () => {
    const inner = cluster();
    const cached = cachingCoordinators(inner) as unknown as typeof inner;
    assert.equal(await cached.refreshMetadata(), inner);
  });
});
