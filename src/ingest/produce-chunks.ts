// A group-committed round can hold minutes of output (after a store outage, say): sent as one
// produce request, a partition's record batch would pass the broker's message.max.bytes (1 MiB by
// default) and be refused on every retry. The round is cut into requests that each keep every
// partition's share under a byte budget; sent in order inside one transaction, they commit together.
import type { Message, TopicMessages } from 'kafkajs';

/** Under the broker's default 1 MiB with room for record and batch headers. */
export const DEFAULT_PARTITION_BUDGET_BYTES = 768 * 1024;

/** About what a message takes in a record batch: its bytes plus varint and header overhead. */
export function messageBytes(m: Message): number {
  let n = 24 + byteLength(m.key) + byteLength(m.value);
  if (m.headers) for (const [k, v] of Object.entries(m.headers)) n += 8 + Buffer.byteLength(k) + (Array.isArray(v) ? v.reduce((a, x) => a + byteLength(x), 0) : byteLength(v));
  return n;
}

function byteLength(v: Buffer | string | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/**
 * Splits topic messages into consecutive requests in which no partition gets more than
 * `budget` bytes (a message without an explicit partition counts against its whole topic).
 * Order within a partition is kept; a single message larger than the budget goes alone.
 */
export function chunkByPartitionBytes(topicMessages: TopicMessages[], budget = DEFAULT_PARTITION_BUDGET_BYTES): TopicMessages[][] {
  if (topicMessages.every((t) => t.messages.length === 0)) return [];
  // the usual round: no topic as a whole reaches the budget, so no partition does
  if (topicMessages.every((t) => topicBytesWithin(t.messages, budget))) return [topicMessages];
  const chunks: Map<string, Message[]>[] = [];
  /** Per partition key: the chunk it is filling and the bytes it has there. */
  const filling = new Map<string, { chunk: number; bytes: number }>();
  for (const { topic, messages } of topicMessages) {
    for (const m of messages) {
      const key = m.partition === undefined ? `${topic}\u0000*` : `${topic}\u0000${m.partition}`;
      const size = messageBytes(m);
      let f = filling.get(key);
      if (!f) filling.set(key, (f = { chunk: 0, bytes: 0 }));
      else if (f.bytes + size > budget) {
        f.chunk++;
        f.bytes = 0;
      }
      f.bytes += size;
      while (chunks.length <= f.chunk) chunks.push(new Map());
      const byTopic = chunks[f.chunk]!;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(m);
    }
  }
  return chunks.map((byTopic) => [...byTopic].map(([topic, messages]) => ({ topic, messages })));
}

function topicBytesWithin(messages: Message[], budget: number): boolean {
  let bytes = 0;
  for (const m of messages) if ((bytes += messageBytes(m)) > budget) return false;
  return true;
}
