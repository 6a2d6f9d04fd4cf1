// kafkajs 2.2.4 hands read_committed consumers messages of aborted transactions when aborted
// transactions overlap in a partition (two producers' transactions open at once: a core's two
// round producers, or a dead core's open round beside its successor's): it expects the fetch's
// aborted-transaction list sorted by first offset (the broker sends it in abort-marker order) and
// takes at most one entry per message. An edge would then serve a trade or a book delta that was
// never committed. This installs a filter that does what the Java client does (every aborted
// transaction whose first offset is at or before the message counts, in first-offset order; a
// producer's abort marker ends it) in the module cache before kafkajs loads the module that
// requires it: import it before kafkajs, as kafkajs-linear-grouping.ts.
import { kafkajsModule, kafkajsModuleIs, replaceKafkajsModule } from './kafkajs-internals.js';

interface Message {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}
interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

const isAbortMarker = (m: Message): boolean => m.isControlRecord === true && m.key != null && m.key.length >= 4 && m.key.readInt16BE(2) === 0;

export function filterAbortedMessages({ messages, abortedTransactions }: { messages: Message[]; abortedTransactions?: AbortedTransaction[] }): Message[] {
  if (!abortedTransactions?.length) return messages;
  const pending = abortedTransactions.map((t) => ({ producerId: String(t.producerId), first: BigInt(t.firstOffset) })).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const aborted = new Set<string>();
  let next = 0;
  return messages.filter((m) => {
    const offset = BigInt(m.offset);
    while (next < pending.length && pending[next]!.first <= offset) aborted.add(pending[next++]!.producerId);
    const producerId = String(m.batchContext.producerId);
    if (isAbortMarker(m)) {
      aborted.delete(producerId);
      return true; // control records are dropped by the caller
    }
    return !(m.batchContext.inTransaction && aborted.has(producerId));
  });
}

const path = replaceKafkajsModule('src/consumer/filterAbortedMessages.js', filterAbortedMessages);

type BatchClass = new (topic: string, fetchedOffset: string, partitionData: unknown) => { messages: { offset: string }[] };

/**
 * Whether the consumers of this process filter aborted transactions correctly: a batch with two
 * overlapping aborted transactions, listed in abort-marker order, goes through kafkajs's own Batch.
 */
export function kafkajsAbortFilterIsCorrect(): boolean {
  const Batch = kafkajsModule<BatchClass>('src/consumer/batch.js');
  if (!kafkajsModuleIs(path, filterAbortedMessages) || !Batch) return false;
  try {
    const msg = (offset: number, producerId: string, control = false): Message & { isControlRecord: boolean } => ({
      offset: String(offset),
      key: control ? Buffer.from([0, 0, 0, 0]) : null,
      isControlRecord: control,
      batchContext: { producerId, inTransaction: true },
    });
    // producer 1 opens at 0, producer 2 writes 1 and aborts (2), producer 1 writes 3 and aborts (4), producer 3 commits 5
    const batch = new Batch('t', '0', {
      partition: 0,
      highWatermark: '6',
      abortedTransactions: [
        { producerId: '2', firstOffset: '1' },
        { producerId: '1', firstOffset: '0' },
      ],
      messages: [msg(0, '1'), msg(1, '2'), msg(2, '2', true), msg(3, '1'), msg(4, '1', true), msg(5, '3')],
    });
    return batch.messages.length === 1 && batch.messages[0]!.offset === '5';
  } catch {
    return false;
  }
}
