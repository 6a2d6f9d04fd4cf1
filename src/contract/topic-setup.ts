import type { Admin, ITopicConfig } from 'kafkajs';
import { INSTRUMENT_ROLES, type Topics } from './topics.js';

/**
 * Creates the engine contract's topics if they are missing. Engine topics are keyed by symbol
 * and partitioned, so one partition orders one symbol; snapshots and instruments are compacted
 * (the latest record per symbol is what a starting consumer needs).
 */
export async function ensureEngineTopics(admin: Admin, topics: Topics, partitions: number): Promise<void> {
  const compacted = [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'min.compaction.lag.ms', value: '60000' },
  ];
  const wanted: ITopicConfig[] = [
    { topic: topics.events, numPartitions: partitions },
    { topic: topics.bookhashes, numPartitions: partitions },
    { topic: topics.snapshots, numPartitions: partitions, configEntries: compacted },
    ...INSTRUMENT_ROLES.map((role) => ({ topic: topics[role], numPartitions: 1, configEntries: compacted })),
  ];
  await ensureTopics(admin, wanted);
}

/**
 * Creates those of `topics` that do not exist yet and waits until every partition of those has a
 * leader. kafkajs's own waitForLeaders gives
 * up on the first UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a moment after
 * creating a topic (seen right after thousands of topics were deleted): that is retried here.
 */
export async function ensureTopics(admin: Admin, wanted: ITopicConfig[], timeoutMs = 60_000): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = wanted.filter((t) => !existing.has(t.topic));
  if (!topics.length) return;
  try {
    await admin.createTopics({ topics, waitForLeaders: false });
  } catch (err) {
    // another process created one of them first: fine, the wait below covers it
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test((err as Error).message)) throw err;
  }
  const names = topics.map((t) => t.topic);
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 200))) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: names });
      if (meta.topics.length === names.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leader after ${timeoutMs} ms`);
  }
}
