// kafkajs's RequestQueue with src/ingest/kafkajs-request-queue.ts: an idle broker connection arms no
// timer (kafkajs 2.2.4 re-checked its empty queue every millisecond, forever), while requests that
// must wait (a throttle, the in-flight limit) are still sent as soon as they may be.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { idleQueueFixInstalled } from '../../src/ingest/kafkajs-request-queue.js';
import { kafkajsModule } from '../../src/ingest/kafkajs-internals.js';

interface Queue {
  push(r: { entry: { correlationId: number; resolve: (v: unknown) => void; reject: (e: Error) => void; apiName: string }; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(r: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  destroy(): void;
}
const RequestQueue = kafkajsModule<new (opts: Record<string, unknown>) => Queue>('src/network/requestQueue/index.js')!;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const queues: Queue[] = [];
after(() => queues.forEach((q) => q.destroy()));

function queue(maxInFlightRequests: number | null = null) {
  const q = new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 't', broker: 'b:9092', logger: quiet });
  queues.push(q);
  const sent: number[] = [];
  let checks = 0;
  const check = q.checkPendingRequests.bind(q);
  q.checkPendingRequests = () => {
    checks++;
    check();
  };
  let next = 0;
  const request = () => {
    const correlationId = ++next;
    const answered = new Promise((resolve, reject) => q.push({ entry: { correlationId, resolve, reject, apiName: 'Fetch' }, expectResponse: true, sendRequest: () => sent.push(correlationId) }));
    return { correlationId, answered, answer: () => q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 }) };
  };
  return { q, sent, checks: () => checks, request };
}

describe('kafkajs request queue', () => {
  it('is patched', () => assert.equal(idleQueueFixInstalled(), true));

  it('an idle connection checks its queue once per answer, not every millisecond', async () => {
    const { request, checks } = queue();
    const r = request();
    r.answer();
    await r.answered;
    await sleep(50);
    // the answer's own check only (unpatched: one more every ~1 ms, ~40 here)
    assert.equal(checks(), 1);
  });

  it('a request that arrives during a throttle is sent when it ends, and the queue then goes quiet', async () => {
    const { q, sent, request, checks } = queue();
    q.maybeThrottle(40);
    const r = request();
    assert.deepEqual(sent, []);
    await sleep(80);
    assert.deepEqual(sent, [r.correlationId]);
    r.answer();
    await r.answered;
    const after = checks();
    await sleep(40);
    assert.equal(checks(), after);
  });

  it('a request over the in-flight limit is sent when one in flight is answered', async () => {
    const { sent, request } = queue(1);
    const a = request();
    const b = request();
    assert.deepEqual(sent, [a.correlationId]);
    a.answer();
    await a.answered;
    assert.deepEqual(sent, [a.correlationId, b.correlationId]);
    b.answer();
    await b.answered;
  });
});
