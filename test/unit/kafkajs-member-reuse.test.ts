// kafkajs's own ConsumerGroup against a coordinator stand-in: a group rebuilt after a crash (kafkajs
// makes a new ConsumerGroup) rejoins with the member id of the one before, unless that one left.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const { memberReuseInstalled } = await import('../../src/ingest/kafkajs-member-reuse.js');
const require = createRequire(import.meta.url);
type Group = { memberId: string | null; joinAndSync(): Promise<void>; leave(): Promise<void> };
const ConsumerGroup = require(require.resolve('kafkajs/src/consumer/consumerGroup.js')) as new (o: object) => Group;
const { createLogger, LEVELS } = require(require.resolve('kafkajs/src/loggers/index.js')) as { createLogger(o: object): unknown; LEVELS: { NOTHING: number } };
const Emitter = require(require.resolve('kafkajs/src/instrumentation/emitter.js')) as new () => unknown;
const { createErrorFromCode } = require(require.resolve('kafkajs/src/protocol/error.js')) as { createErrorFromCode(code: number): Error };
const { MemberAssignment } = require(require.resolve('kafkajs/src/consumer/assignerProtocol.js')) as { MemberAssignment: { encode(o: object): Buffer } };

const UNKNOWN_MEMBER_ID = 25;

/** A group coordinator that knows some members, notes every join, and can refuse to answer a leave. */
function coordinator() {
  const known = new Set<string>();
  const joinedWith: string[] = [];
  let next = 0;
  const c = {
    known,
    joinedWith,
    leaveFails: false,
    async joinGroup({ memberId }: { memberId: string }) {
      joinedWith.push(memberId);
      if (memberId && !known.has(memberId)) throw createErrorFromCode(UNKNOWN_MEMBER_ID);
      const id = memberId || `member-${++next}`;
      known.add(id);
      return { generationId: 1, leaderId: 'another-member', memberId: id, members: [], groupProtocol: 'RoundRobinAssigner' };
    },
    async syncGroup() {
      return { memberAssignment: MemberAssignment.encode({ version: 0, assignment: {} }) };
    },
    async leaveGroup({ memberId }: { memberId: string }) {
      if (c.leaveFails) throw new Error('Connection error: connect ECONNREFUSED');
      known.delete(memberId);
    },
  };
  return c;
}

function group(groupId: string, coord: ReturnType<typeof coordinator>): Group {
  return new ConsumerGroup({
    retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 5 },
    cluster: { findGroupCoordinator: async () => coord, refreshMetadata: async () => undefined, findTopicPartitionMetadata: () => [], committedOffsets: () => ({}) },
    groupId,
    topics: [],
    topicConfigurations: [],
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
    instrumentationEmitter: new Emitter(),
    assigners: [],
    sessionTimeout: 6000,
    rebalanceTimeout: 60_000,
  });
}

describe('kafkajs consumer groups rejoin as the member they were', () => {
  it('is installed on the kafkajs in use', () => assert.ok(memberReuseInstalled()));

  it('a group rebuilt after a crash (its leave failed: the broker was away) joins with the last member id', async () => {
    const coord = coordinator();
    const first = group('g-crash', coord);
    await first.joinAndSync();
    assert.equal(first.memberId, 'member-1');
    coord.leaveFails = true;
    await first.leave().catch(() => undefined); // what kafkajs's crash path does, with the broker gone
    const rebuilt = group('g-crash', coord);
    await rebuilt.joinAndSync();
    assert.deepEqual(coord.joinedWith, ['', 'member-1']);
    assert.equal(rebuilt.memberId, 'member-1');
  });

  it('an id the coordinator has forgotten is refused once, then the group joins afresh', async () => {
    const coord = coordinator();
    await group('g-expired', coord).joinAndSync();
    coord.known.clear(); // its session expired meanwhile
    const rebuilt = group('g-expired', coord);
    await rebuilt.joinAndSync();
    assert.deepEqual(coord.joinedWith, ['', 'member-1', '']);
    assert.equal(rebuilt.memberId, 'member-2');
  });

  it('a group that did leave is forgotten: the next one joins as a new member', async () => {
    const coord = coordinator();
    const first = group('g-left', coord);
    await first.joinAndSync();
    await first.leave();
    await group('g-left', coord).joinAndSync();
    assert.deepEqual(coord.joinedWith, ['', '']);
  });

  it('keeps member ids per group', async () => {
    const coord = coordinator();
    await group('g-a', coord).joinAndSync();
    await group('g-b', coord).joinAndSync();
    await group('g-a', coord).joinAndSync();
    assert.deepEqual(coord.joinedWith, ['', '', 'member-1']);
  });
});
