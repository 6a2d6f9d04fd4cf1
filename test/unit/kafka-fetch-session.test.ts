import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FETCH_SESSION_ID_NOT_FOUND, FetchSession, SESSION_RETRY_MS, type FetchTopic, type SessionRequest } from '../../src/ingest/kafka-fetch-session.js';

const topics = (spec: Record<string, Record<number, number>>): FetchTopic[] =>
  Object.entries(spec).map(([topic, parts]) => ({ topic, partitions: Object.entries(parts).map(([p, offset]) => ({ partition: Number(p), fetchOffset: String(offset), maxBytes: 1024 })) }));

/** A broker's copy of a session, as KIP-227 defines it: opened by a full request, then changed by each incremental one. */
class BrokerSession {
  id = 0;
  epoch = 0;
  held = new Map<string, string>(); // "topic/partition" -> fetch offset
  nextId = 41;

  /** The broker's answer: error code and session id. */
  handle(r: SessionRequest): { errorCode: number; sessionId: number } {
    if (r.sessionEpoch === -1) return { errorCode: 0, sessionId: 0 };
    if (r.sessionEpoch === 0) {
      this.id = ++this.nextId;
      this.held = new Map(r.topics.flatMap((t) => t.partitions.map((p): [string, string] => [`${t.topic}/${p.partition}`, p.fetchOffset])));
      this.epoch = 1;
      return { errorCode: 0, sessionId: this.id };
    }
    if (r.sessionId !== this.id) return { errorCode: FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 };
    if (r.sessionEpoch !== this.epoch) return { errorCode: 71, sessionId: 0 };
    for (const t of r.topics) for (const p of t.partitions) this.held.set(`${t.topic}/${p.partition}`, p.fetchOffset);
    for (const f of r.forgottenTopics) for (const p of f.partitions) this.held.delete(`${f.topic}/${p}`);
    this.epoch++;
    return { errorCode: 0, sessionId: this.id };
  }
}

const flat = (ts: FetchTopic[]) => new Map(ts.flatMap((t) => t.partitions.map((p): [string, string] => [`${t.topic}/${p.partition}`, p.fetchOffset])));

describe('Kafka fetch session (KIP-227)', () => {
  it('opens with the full list, then names only the partitions whose offset moved, and forgets those dropped', () => {
    const s = new FetchSession();
    const open = s.next(topics({ a: { 0: 5, 1: 9 }, b: { 0: 3 } }));
    assert.deepEqual([open.sessionId, open.sessionEpoch, open.full], [0, 0, true]);
    assert.equal(open.topics.flatMap((t) => t.partitions).length, 3);
    s.answered(open, 0, 77);
    assert.ok(s.isOpen);

    const inc = s.next(topics({ a: { 0: 5, 1: 12 }, b: { 0: 3 } }));
    assert.deepEqual([inc.sessionId, inc.sessionEpoch, inc.full], [77, 1, false]);
    assert.deepEqual(inc.topics, topics({ a: { 1: 12 } }));
    assert.deepEqual(inc.forgottenTopics, []);
    s.answered(inc, 0, 77);

    const same = s.next(topics({ a: { 0: 5, 1: 12 }, b: { 0: 3 } }));
    assert.deepEqual([same.sessionEpoch, same.topics, same.forgottenTopics], [2, [], []], 'nothing moved: an empty incremental fetch');
    s.answered(same, 0, 77);

    const dropped = s.next(topics({ a: { 0: 5 }, c: { 2: 1 } }));
    assert.deepEqual(dropped.topics, topics({ c: { 2: 1 } }));
    assert.deepEqual(dropped.forgottenTopics, [{ topic: 'a', partitions: [1] }, { topic: 'b', partitions: [0] }]);
    s.answered(dropped, 0, 77);
    assert.deepEqual(s.next(topics({ a: { 0: 5 }, c: { 2: 1 } })).forgottenTopics, [], 'forgotten once');
  });

  it('a session error or a failed fetch reopens it (closing the old id), a refusal goes sessionless for a while', () => {
    const s = new FetchSession();
    const want = topics({ a: { 0: 1 } });
    s.answered(s.next(want), 0, 5);
    const inc = s.next(want);
    s.answered(inc, FETCH_SESSION_ID_NOT_FOUND, 0);
    const reopen = s.next(want);
    assert.deepEqual([reopen.sessionId, reopen.sessionEpoch, reopen.full, reopen.topics], [5, 0, true, want]);
    s.answered(reopen, 0, 6);
    const next = s.next(want);
    s.failed(next);
    assert.deepEqual([s.next(want).sessionEpoch, s.isOpen], [0, false]);

    const t0 = 1_000_000;
    const declined = new FetchSession();
    declined.answered(declined.next(want, t0), 0, 0, t0); // the broker's session cache is full
    assert.equal(declined.next(want, t0 + 1000).sessionEpoch, -1);
    assert.equal(declined.next(want, t0 + SESSION_RETRY_MS).sessionEpoch, 0, 'asks again after a while');
  });

  it('a fetch while another is out goes without the session', () => {
    const s = new FetchSession();
    const want = topics({ a: { 0: 1 } });
    const first = s.next(want);
    const concurrent = s.next(want);
    assert.deepEqual([concurrent.sessionEpoch, concurrent.topics], [-1, want]);
    s.answered(concurrent, 0, 0);
    s.answered(first, 0, 9);
    assert.equal(s.next(want).sessionEpoch, 1);
  });

  it('property: after every answered fetch the broker holds exactly the partitions and offsets the consumer asked for', () => {
    const step = fc.record({
      parts: fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'c', 'd'), partition: fc.integer({ min: 0, max: 3 }), offset: fc.integer({ min: 0, max: 5 }) }), { maxLength: 12 }),
      outcome: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'failed', 'lost'),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const s = new FetchSession();
        const broker = new BrokerSession();
        for (const { parts, outcome } of steps) {
          const spec: Record<string, Record<number, number>> = {};
          for (const p of parts) (spec[p.topic] ??= {})[p.partition] = p.offset;
          const want = topics(spec);
          const req = s.next(want);
          if (outcome === 'failed') {
            s.failed(req); // no answer came back (the broker may or may not have applied it)
            if (req.sessionEpoch > 0) broker.handle(req);
            continue;
          }
          if (outcome === 'lost') broker.id = -1; // the broker restarted: it knows no session
          const answer = broker.handle(req);
          s.answered(req, answer.errorCode, answer.sessionId);
          if (answer.errorCode !== 0) continue;
          // what the broker fetches for this request: the session's partitions, or the request's own
          const fetched = req.sessionEpoch === -1 ? flat(req.topics) : broker.held;
          assert.deepEqual(fetched, flat(want));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
