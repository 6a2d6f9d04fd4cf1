// kafkajs has no rebalance listener (the Java client's onPartitionsRevoked/onPartitionsAssigned).
// A core needs both: before its partitions are taken away it must commit everything it has
// processed (otherwise the next owner reads an older committed offset and publishes those trades
// again), and before it consumes newly assigned partitions it must load their candles and tickers
// (another core built them). This wraps kafkajs's ConsumerGroup.joinAndSync with hooks, awaited,
// per consumer group; import it before kafkajs loads (as kafkajs-linear-grouping.ts).
import { kafkajsModule } from './kafkajs-internals.js';

export interface RebalanceHooks {
  /** The group is rebalancing and these partitions (topic → partitions) are about to be revoked. */
  beforeRevoke(assigned: Record<string, number[]>): Promise<void>;
  /** Joined with this assignment; fetching starts when this resolves. */
  afterAssign(assigned: Record<string, number[]>): Promise<void>;
}

const hooks = new Map<string, RebalanceHooks>();

export function setRebalanceHooks(groupId: string, h: RebalanceHooks | undefined): void {
  if (h) hooks.set(groupId, h);
  else hooks.delete(groupId);
}

type Group = { groupId: string; assigned(): { topic: string; partitions: number[] }[]; joinAndSync(): Promise<void> };
const byTopic = (g: Group) => Object.fromEntries(g.assigned().map(({ topic, partitions }) => [topic, [...partitions]]));

// undefined for another kafkajs layout: no hooks (a rebalance may then publish a few outputs twice)
const ConsumerGroup = kafkajsModule<{ prototype: Group }>('src/consumer/consumerGroup.js');
let installed = false;
if (ConsumerGroup) {
  const original = ConsumerGroup.prototype.joinAndSync;
  ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
    const h = hooks.get(this.groupId);
    const before = byTopic(this);
    if (h && Object.values(before).some((p) => p.length)) await h.beforeRevoke(before);
    await original.call(this);
    if (h) await h.afterAssign(byTopic(this));
  };
  installed = true;
}

export const rebalanceHooksInstalled = (): boolean => installed;
