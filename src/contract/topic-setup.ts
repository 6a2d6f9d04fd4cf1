import type { Admin, ITopicConfig } from 'kafkajs';
import { ENGINE_BOOKHASHES, ENGINE_EVENTS, ENGINE_SNAPSHOTS, INSTRUMENT_TOPICS } from './topics.js';

/**
 * Creates the engine contract's topics if they are missing. Engine topics are keyed by symbol
 * and partitioned, so one partition orders one symbol; snapshots and instruments are compacted
 * (the latest record per symbol is what a starting consumer needs).
 */
export async function ensureEngineTopics(admin: Admin, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const compacted = [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.compaction.lag.ms', value: '60000' }];
  const wanted: ITopicConfig[] = [
    { topic: ENGINE_EVENTS, numPartitions: partitions },
    { topic: ENGINE_BOOKHASHES, numPartitions: partitions },
    { topic: ENGINE_SNAPSHOTS, numPartitions: partitions, configEntries: compacted },
    ...INSTRUMENT_TOPICS.map((topic) => ({ topic, numPartitions: 1, configEntries: compacted })),
  ];
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
}
