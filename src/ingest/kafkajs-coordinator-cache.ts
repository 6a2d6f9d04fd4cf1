// kafkajs's transactional producer asks the cluster for its coordinators (FindCoordinator, one
// round trip) before every AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn: a
// commit round of the core paid three to five extra round trips, and each take that wrote to a
// partition new to the round one more before its produce request. The Java client keeps the
// coordinators it found until one says it is not (or no longer) the coordinator, or cannot be
// reached (TransactionManager); this does the same for each producer's transaction manager
// (src/producer/eosManager): a coordinator found is kept until a request through it fails that way
// or a minute has passed, then found again, so after such an error kafkajs retries exactly as
// before. Other refusals (CONCURRENT_TRANSACTIONS right after a commit, a coordinator still
// loading) come from the right coordinator: kafkajs retries them against the same one. Consumers
// are untouched. Installed by kafkajs-transaction-manager.ts.

type Lookup = { groupId: string; coordinatorType?: number };
type Broker = Record<string | symbol, unknown>;
export interface CoordinatorCluster {
  findGroupCoordinator(lookup: Lookup): Promise<Broker>;
}

/** How long a coordinator found is kept without an error (coordinators move only when brokers do). */
export const COORDINATOR_TTL_MS = 60_000;

/** "Not the coordinator" and "coordinator not available" (codes 16 and 15): kafkajs's names and the protocol's. */
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE']);

/**
 * Whether a failed request puts the coordinator in doubt: it said it is not the coordinator or is
 * unavailable, or the request failed without an answer (connection lost, timeout: no protocol type).
 */
export function coordinatorInDoubt(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type !== 'string' || COORDINATOR_MOVED.has(type);
}

/** `broker` whose every method call, when it fails putting the coordinator in doubt, first forgets the cached entry (`forget`). */
function forgettingOnError(broker: Broker, forget: () => void): Broker {
  return new Proxy(broker, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) return result.catch((err: unknown) => (coordinatorInDoubt(err) && forget(), Promise.reject(err)));
          return result;
        } catch (err) {
          if (coordinatorInDoubt(err)) forget();
          throw err;
        }
      };
    },
  });
}

/** `cluster` as a transaction manager sees it: coordinator lookups cached per id and type, the rest its own. */
export function cachingCoordinators(cluster: CoordinatorCluster, now: () => number = Date.now): CoordinatorCluster {
  const found = new Map<string, { broker: Promise<Broker>; at: number }>();
  const findGroupCoordinator = (lookup: Lookup): Promise<Broker> => {
    const key = `${lookup.coordinatorType ?? 0}:${lookup.groupId}`;
    const hit = found.get(key);
    if (hit && now() - hit.at < COORDINATOR_TTL_MS) return hit.broker;
    const entry = { broker: undefined as unknown as Promise<Broker>, at: now() };
    const forget = () => {
      if (found.get(key) === entry) found.delete(key);
    };
    entry.broker = cluster.findGroupCoordinator(lookup).then(
      (broker) => forgettingOnError(broker, forget),
      (err: unknown) => (forget(), Promise.reject(err)),
    );
    found.set(key, entry);
    return entry.broker;
  };
  return new Proxy(cluster, {
    get(target, prop) {
      if (prop === 'findGroupCoordinator') return findGroupCoordinator;
      const value = (target as unknown as Broker)[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
