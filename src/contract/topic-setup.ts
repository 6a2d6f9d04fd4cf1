import type { Admin, ITopicConfig } from 'kafkajs';
import { INSTRUMENT_ROLES, type Topics } from './topics.js';

/**
 * Creates the engine contract's topics if they are missing. Engine topics are keyed by symbol
 * and partitioned, so one partition orders one symbol; snapshots and instruments are compacted
 * (the latest record per symbol is what a starting consumer needs).
 */
export async function ensureEngineTopics(admin: Admin, topics: Topics, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
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
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
}
