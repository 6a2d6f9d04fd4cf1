import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { CommitPipeline, type RoundObserver, type RoundProducers, type Taken } from '../../src/ingest/commit-pipeline.js';
import { OffsetTracker } from '../../src/ingest/offset-tracker.js';
import { TradeWatermarks } from '../../src/ingest/trade-watermarks.js';
import { createLogger } from '../../src/obs/logger.js';

/**
 * A broker's view of transactions: its log (every message sent, in order, with its transaction)
 * and the group's committed offsets. A producer whose commit fails is stuck (kafkajs stays in
 * COMMITTING and refuses every new transaction), as after a broker outage;
 * `commitLandsThenFails` is a commit the broker applied but whose answer was lost.
 */
class FakeBroker {
  private readonly log: { value: string; tx: number }[] = [];
  private readonly committedTx = new Set<number>();
  private transactions = 0;
  /** The next send fails (the connection to the partition leader lost). */
  failNextSend = false;
  readonly offsets = new Map<number, string>();
  readonly metadata = new Map<number, string>();
  failNextCommit: 'lost' | 'landed' | undefined;
  /** Reads of the committed offsets that fail (the coordinator not answering yet). */
  failOffsetReads = 0;
  /** How long a commit takes (the broker's round trip). */
  commitDelayMs = 0;
  producers = 0;

  /** Everything sent, committed or not (what a read_uncommitted reader sees). */
  get sent(): string[] {
    return this.log.map((m) => m.value);
  }

  /** What a read_committed reader sees: the committed transactions' messages in log order. */
  get published(): string[] {
    return this.log.filter((m) => this.committedTx.has(m.tx)).map((m) => m.value);
  }

  producer(): Producer {
    this.producers++;
    let stuck = false;
    return {
      transaction: async () => {
        if (stuck) throw new Error('Transaction state exception: Cannot call "beginTransaction" in state "COMMITTING"');
        const tx = ++this.transactions;
        const offs = new Map<number, { offset: string; metadata: string }>();
        return {
          sendBatch: async ({ topicMessages }: { topicMessages: { messages: { value: string }[] }[] }) => {
            if (this.failNextSend) {
              this.failNextSend = false;
              stuck = true;
              throw new Error('Connection error: read ECONNRESET');
            }
            topicMessages.forEach((t) => t.messages.forEach((m) => this.log.push({ value: m.value, tx })));
          },
          sendOffsets: async ({ topics }: { topics: { partitions: { partition: number; offset: string; metadata: string }[] }[] }) =>
            void topics[0]!.partitions.forEach((p) => offs.set(p.partition, { offset: p.offset, metadata: p.metadata })),
          commit: async () => {
            if (this.commitDelayMs) await sleep(this.commitDelayMs);
            const fail = this.failNextCommit;
            this.failNextCommit = undefined;
            if (fail !== 'lost') {
              this.committedTx.add(tx);
              for (const [p, o] of offs) {
                this.offsets.set(p, o.offset);
                this.metadata.set(p, o.metadata);
              }
            }
            if (fail) {
              stuck = true;
              throw new Error('Connection error: connect ECONNREFUSED');
            }
          },
          abort: async () => undefined,
        };
      },
    } as unknown as Producer;
  }
}

/** A pipeline on `count` producers taking turns (1: every round waits for the one before to commit). */
function pipeline(broker: FakeBroker, roundMs = 0, count = 2, observer: RoundObserver = {}): CommitPipeline {
  const producers = Array.from({ length: count }, () => broker.producer());
  return new CommitPipeline(
    { count, get: (slot) => producers[slot]!, renew: async (slot) => void (producers[slot] = broker.producer()) },
    async () => {
      if (broker.failOffsetReads > 0 && broker.failOffsetReads--) throw new Error('The coordinator is loading and hence can\'t process requests');
      return new Map([...broker.offsets].map(([p, offset]) => [p, { offset, metadata: broker.metadata.get(p) ?? null }]));
    },
    new OffsetTracker(),
    new TradeWatermarks(),
    (ps) => new Map(ps.map((p) => [p, p === 0 ? ['A', 'B'] : []])),
    () => 0,
    { groupId: 'g', eventsTopic: 'engine.event.v1' },
    createLogger('silent'),
    undefined,
    observer,
    roundMs,
  );
}

const take = (value: string, offset: number | undefined, trades: { symbol: string; sequence: number }[] = []): Taken => ({
  messages: [{ topic: 'md.trades.v1.X', messages: [{ value }] }],
  offsets: offset === undefined ? [] : [{ partition: 0, offset: String(offset) }],
  rows: undefined,
  events: 1,
  trace: undefined,
  trades,
});

describe('commit pipeline: a transaction that fails in flight', () => {
  it('lost by the broker: published again on a new producer, once', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 1));
    await p.drain();
    broker.failNextCommit = 'lost';
    p.push(take('b', 2));
    await p.drain();
    p.push(take('c', 3));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'b', 'c']);
    assert.equal(broker.offsets.get(0), '3');
    assert.ok(broker.producers >= 3, 'the stuck producer was replaced');
  });

  it('applied by the broker but its answer lost: not published a second time', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 1));
    await p.drain();
    broker.failNextCommit = 'landed';
    p.push(take('b', 2));
    await p.drain();
    p.push(take('c', 3));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'b', 'c']);
  });

  it('a round whose offset cannot move (an event held) still commits the marks of the trades it publishes', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 10, [{ symbol: 'A', sequence: 5 }]));
    await p.drain();
    // symbol B's trades go out while A's next event is held: the offset stays at 10
    p.push(take('b', undefined, [{ symbol: 'B', sequence: 7 }]));
    await p.drain();
    assert.equal(broker.offsets.get(0), '10');
    assert.deepEqual(JSON.parse(broker.metadata.get(0)!).trades, { A: 5, B: 7 }, 'B\'s mark is committed with its trade');
  });

  it('a round that moves no offset (candles closed by the clock), applied but its answer lost: not published a second time', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 10));
    await p.drain();
    broker.failNextCommit = 'landed';
    p.push(take('closed candle', undefined));
    await p.drain();
    p.push(take('c', 11));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'closed candle', 'c']);
  });

  it('a round that moves no offset, lost by the broker: published again, once', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 10));
    await p.drain();
    broker.failNextCommit = 'lost';
    p.push(take('closed candle', undefined));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'closed candle']);
    assert.equal(broker.offsets.get(0), '10', 'the offset did not move');
  });

  it('applied by the broker, its answer lost, and the offsets unreadable for a while: asked again, not published a second time', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 10));
    await p.drain();
    broker.failNextCommit = 'landed';
    broker.failOffsetReads = 2;
    p.push(take('closed candle', undefined));
    await p.drain();
    p.push(take('c', 11));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'closed candle', 'c']);
    assert.equal(broker.failOffsetReads, 0, 'the outcome was asked until the broker answered');
  });

  it('lost by the broker, and the offsets unreadable for a while: published again once they say so', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    p.push(take('a', 10));
    await p.drain();
    broker.failNextCommit = 'lost';
    broker.failOffsetReads = 2;
    p.push(take('b', 11));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'b']);
  });
});

describe('commit pipeline: a round open for more takes (MD_TRANSACTION_MS)', () => {
  it('sends each take into the open transaction as it comes, and commits them together once the round has been open long enough', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 200);
    p.push(take('a', 1));
    const first = p.drain();
    await sleep(50);
    assert.deepEqual(broker.sent, ['a'], 'a is sent at once');
    p.push(take('b', 2));
    const second = p.drain();
    await sleep(50);
    assert.deepEqual(broker.sent, ['a', 'b'], 'b is sent into the same open round, before any commit');
    assert.deepEqual(broker.published, [], 'nothing is committed before the round has been open 200 ms');
    await Promise.all([first, second]);
    assert.deepEqual(broker.published, ['a', 'b']);
    assert.equal(broker.offsets.get(0), '2');
  });

  it('a send that fails in an open round: the round is published again whole, once, and later takes follow it', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 100);
    p.push(take('a', 1));
    await sleep(20);
    broker.failNextSend = true;
    p.push(take('b', 2));
    await p.drain();
    p.push(take('c', 3));
    await p.drain();
    assert.deepEqual(broker.published, ['a', 'b', 'c']);
    assert.equal(broker.offsets.get(0), '3');
  });
});

describe('commit pipeline: drains', () => {
  it('a drain resolves only once what was queued before it is committed, also when another caller started the loop that took it', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 20;
    const p = pipeline(broker);
    p.push(take('a', 1));
    const first = p.drain();
    // queued while a's commit is in flight: the first caller's loop ends with a, and whoever looks
    // at the queue first starts the loop that takes b (the final drain of a stop returned here early)
    p.push(take('b', 2));
    const second = p.drain();
    await second;
    assert.deepEqual(broker.published, ['a', 'b'], 'b is committed when the drain queued after it resolves');
    assert.equal(broker.offsets.get(0), '2');
    await first;
  });

  it('under steady load a drain resolves when its own takes commit, not when the queue is next empty', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 10;
    const p = pipeline(broker);
    p.push(take('t0', 1));
    let pushedWhenDone = -1;
    let n = 1;
    const first = p.drain().then(() => (pushedWhenDone = n));
    // a batch every 5 ms, each draining as the consumer does: the loop never runs dry
    const drains: Promise<void>[] = [];
    for (; n < 40; n++) {
      await sleep(5);
      p.push(take(`t${n}`, n + 1));
      drains.push(p.drain());
    }
    await first;
    assert.ok(pushedWhenDone > 0 && pushedWhenDone < 40, `the first drain resolved after ${pushedWhenDone} of 40 pushes`);
    await Promise.all(drains);
    assert.deepEqual(broker.published, Array.from({ length: 40 }, (_, i) => `t${i}`));
    assert.equal(broker.offsets.get(0), '40');
  });

  it('a drain with nothing queued and nothing in flight resolves at once', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    await p.drain();
    assert.deepEqual(broker.published, []);
  });
});

describe('commit pipeline: rounds taking turns on two producers', () => {
  it('a round sends while the round before it commits, and they commit in order', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 200; // far longer than the waits below, on a loaded machine too
    const p = pipeline(broker);
    p.push(take('a', 1));
    const first = p.drain();
    await sleep(10);
    p.push(take('b', 2));
    const second = p.drain();
    await sleep(10);
    assert.deepEqual(broker.sent, ['a', 'b'], 'b is sent while a commits');
    assert.deepEqual(broker.published, [], 'a\'s commit is still in flight');
    await Promise.all([first, second]);
    assert.deepEqual(broker.published, ['a', 'b']);
    assert.equal(broker.offsets.get(0), '2');
  });

  it('on one producer a round waits for the commit before it sends', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 200; // far longer than the waits below, on a loaded machine too
    const p = pipeline(broker, 0, 1);
    p.push(take('a', 1));
    const first = p.drain();
    await sleep(10);
    p.push(take('b', 2));
    const second = p.drain();
    await sleep(10);
    assert.deepEqual(broker.sent, ['a']);
    await Promise.all([first, second]);
    assert.deepEqual(broker.published, ['a', 'b']);
  });

  it('a round lost by the broker while the next was sent behind it: both published again, in order, once', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 30;
    const p = pipeline(broker);
    p.push(take('z', 1));
    await p.drain();
    broker.failNextCommit = 'lost';
    p.push(take('a', 2));
    const first = p.drain();
    await sleep(10);
    p.push(take('b', 3));
    const second = p.drain();
    await sleep(10);
    assert.deepEqual(broker.sent, ['z', 'a', 'b'], 'b went out while a was committing');
    await Promise.all([first, second]);
    p.push(take('c', 4));
    await p.drain();
    // a read_committed reader sees the log's order: b's first copy must not commit ahead of a's second
    assert.deepEqual(broker.published, ['z', 'a', 'b', 'c']);
    assert.equal(broker.offsets.get(0), '4');
  });

  it('a round applied by the broker, its answer lost, while the next was sent: neither published twice', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 30;
    const p = pipeline(broker);
    p.push(take('z', 1));
    await p.drain();
    broker.failNextCommit = 'landed';
    p.push(take('a', 2));
    const first = p.drain();
    await sleep(10);
    p.push(take('b', 3));
    await Promise.all([first, p.drain()]);
    assert.deepEqual(broker.published, ['z', 'a', 'b']);
    assert.deepEqual(broker.sent, ['z', 'a', 'b'], 'nothing was sent again');
  });

  it('a send that fails while the round before commits: published again after it, and the round after follows', async () => {
    const broker = new FakeBroker();
    broker.commitDelayMs = 30;
    let failures = 0;
    const p = pipeline(broker, 0, 2, { failedAttempt: () => failures++ });
    p.push(take('a', 1));
    const first = p.drain();
    await sleep(10);
    broker.failNextSend = true;
    p.push(take('b', 2));
    const second = p.drain();
    await sleep(10);
    p.push(take('c', 3));
    await Promise.all([first, second, p.drain()]);
    assert.deepEqual(broker.published, ['a', 'b', 'c']);
    assert.equal(broker.offsets.get(0), '3');
    assert.ok(failures >= 1, `the failed attempt counted (${failures})`);
  });
});

/** A pipeline on two producers whose slots register partitions with `register`; counts renewals and failed attempts. */
function registeringPipeline(broker: FakeBroker, register: NonNullable<RoundProducers['register']>) {
  const producers = [broker.producer(), broker.producer()];
  const counts = { renewed: 0, failures: 0 };
  const p = new CommitPipeline(
    { count: 2, get: (slot) => producers[slot]!, renew: async (slot) => void (counts.renewed++, (producers[slot] = broker.producer())), register },
    async () => new Map([...broker.offsets].map(([q, offset]) => [q, { offset, metadata: broker.metadata.get(q) ?? null }])),
    new OffsetTracker(),
    new TradeWatermarks(),
    (ps) => new Map(ps.map((q) => [q, []])),
    () => 0,
    { groupId: 'g', eventsTopic: 'engine.event.v1' },
    createLogger('silent'),
    undefined,
    { failedAttempt: () => counts.failures++ },
  );
  return { p, counts };
}

describe('commit pipeline: partitions registered with a round before its first send', () => {
  it("a round registers its first take's partitions and those the round before wrote, in one call; nothing for a round that sends nothing", async () => {
    const broker = new FakeBroker();
    const registered: string[][] = [];
    const { p } = registeringPipeline(broker, async (_slot, topics) => void registered.push(topics.flatMap((t) => t.partitions.map((x) => `${t.topic}/${x.partition}`)).sort()));
    const to = (value: string, offset: number, ...partitions: [string, number][]): Taken => ({
      messages: partitions.map(([topic, partition]) => ({ topic, messages: [{ value, partition }] })),
      offsets: [{ partition: 0, offset: String(offset) }],
      rows: undefined,
      events: 1,
      trace: undefined,
      trades: [],
    });
    p.push(to('a', 1, ['md.ohlcv.v1', 0], ['md.ticker24h.v1', 3]));
    await p.drain();
    p.push(to('b', 2, ['md.ohlcv.v1', 1]));
    await p.drain();
    p.push(to('c', 3)); // no message: its round registers nothing
    await p.drain();
    p.push(to('d', 4, ['md.ticker24h.v1', 3]));
    await p.drain();
    assert.deepEqual(registered, [
      ['md.ohlcv.v1/0', 'md.ticker24h.v1/3'],
      ['md.ohlcv.v1/0', 'md.ohlcv.v1/1', 'md.ticker24h.v1/3'],
      ['md.ohlcv.v1/1', 'md.ticker24h.v1/3'],
    ]);
    assert.deepEqual(broker.published, ['a', 'a', 'b', 'd']);
  });

  it('a registration refused (CONCURRENT_TRANSACTIONS right after the slot committed) fails nothing: the round commits once, no producer renewed', async () => {
    const broker = new FakeBroker();
    let refusals = 0;
    const { p, counts } = registeringPipeline(broker, async () => {
      refusals++;
      throw Object.assign(new Error('The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS', retriable: true });
    });
    for (const [value, offset] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      p.push(take(value, offset));
      await p.drain();
    }
    assert.equal(refusals, 3, 'every round tried to register');
    assert.deepEqual(broker.sent, ['a', 'b', 'c'], 'nothing sent twice');
    assert.deepEqual(broker.published, ['a', 'b', 'c']);
    assert.equal(broker.offsets.get(0), '3');
    assert.equal(counts.renewed, 0);
    assert.equal(counts.failures, 0, 'no publish attempt failed');
  });
});
