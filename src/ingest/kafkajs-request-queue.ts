// kafkajs 2.2.4's RequestQueue (one per broker connection) re-arms its pending-request check after
// every check, also with nothing pending and no throttle: setTimeout of a negative delay, i.e. 1 ms.
// So every connection wakes its process about 700 times a second for as long as it is open
// (upstream #1556 and #1704; the fix, #1667, was never released). On an edge following md.* at 500
// events/s the loop was 40 % of its event-loop wake-ups (epoll waits 28 k -> 17 k in 20 s); its CPU
// cost was within this machine's noise. This schedules a check only while requests wait (for the
// end of a throttle, else kafkajs's 10 ms): a request queued later schedules its own (push), and
// each answered or timed-out request checks the queue.
import { kafkajsModule } from './kafkajs-internals.js';

interface Queue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const RequestQueue = kafkajsModule<{ prototype: Queue }>('src/network/requestQueue/index.js');
let installed = false;
if (RequestQueue) {
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: Queue) {
    if (this.pending.length > 0) schedule.call(this);
  };
  installed = true;
}

export const idleQueueFixInstalled = (): boolean => installed;
