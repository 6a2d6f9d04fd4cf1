// kafkajs's transaction manager (src/producer/eosManager), one per producer, as this service runs
// it: its coordinators cached (kafkajs-coordinator-cache.ts), and reachable by transactional id so
// that a commit round can register the partitions it is about to write in one AddPartitionsToTxn
// before its first send (kafkajs registers each send's new partitions with a round trip of their
// own before that send). Import it before kafkajs's producer loads, as the other patches.
import { cachingCoordinators, type CoordinatorCluster } from './kafkajs-coordinator-cache.js';
import { kafkajsModule, kafkajsModuleIs, kafkajsModuleLoaded, replaceKafkajsModule } from './kafkajs-internals.js';

/** Topics and partitions as kafkajs's transaction manager takes them. */
export type TopicPartitions = { topic: string; partitions: { partition: number }[] }[];

interface TransactionManager {
  addPartitionsToTransaction(topics: TopicPartitions): Promise<void>;
}
type CreateEosManager = (opts: { cluster: CoordinatorCluster; transactionalId?: string } & Record<string, unknown>) => TransactionManager;

/**
 * The latest manager made for each transactional id (a producer renewed with the same id replaces
 * it). Never emptied: a process that made producers under ever new transactional ids would grow it;
 * the service's are fixed (two per core).
 */
const managers = new Map<string, TransactionManager>();

// undefined for another kafkajs layout, or when kafkajs's producer has loaded the original already:
// transactions then run as kafkajs has them
const EOS = 'src/producer/eosManager/index.js';
const original = kafkajsModuleLoaded('src/producer/index.js') ? undefined : kafkajsModule<CreateEosManager>(EOS);
const patched: CreateEosManager | undefined =
  original &&
  ((opts) => {
    const manager = original({ ...opts, cluster: cachingCoordinators(opts.cluster) });
    if (opts.transactionalId) managers.set(opts.transactionalId, manager);
    return manager;
  });
const path = patched && replaceKafkajsModule(EOS, patched);

export const transactionManagerPatched = (): boolean => kafkajsModuleIs(path, patched);

/**
 * Registers partitions with the open transaction of the producer with this transactional id (one
 * AddPartitionsToTxn for those not registered yet; none when all are). False when there is no such
 * manager (kafkajs unpatched): the sends then register their partitions themselves, as in kafkajs.
 */
export async function addPartitionsToTransaction(transactionalId: string, topics: TopicPartitions): Promise<boolean> {
  const manager = managers.get(transactionalId);
  if (!manager) return false;
  await manager.addPartitionsToTransaction(topics);
  return true;
}
