// kafkajs's transactional producer asks the cluster for its coordinators (FindCoordinator, one
// round trip) before every AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn: a
// commit round of the core paid three to five extra round trips, and each take that wrote to a
// partition new to the round one more before its produce request. The Java client keeps the
// coordinators it found until a request to one fails (TransactionManager); this does the same for
// each producer's transaction manager (src/producer/eosManager): a coordinator found is kept until
// any request through it fails or a minute has passed, then found again, so after an error kafkajs
// retries exactly as before. Consumers are untouched. Installed by kafkajs-transaction-manager.ts.

type Lookup = { groupId: string; coordinatorType?: number };
type Broker = Record<string | symbol, unknown>;
export interface CoordinatorCluster {
  findGroupCoordinator(lookup: Lookup): Promise<Broker>;
}

/** How long a coordinator found is kept without an error (coordinators move only when brokers do). */
export const COORDINATOR_TTL_MS = 60_000;

/** `broker` whose every method call, when it fails, first forgets the cached entry (`forget`). */
function forgettingOnError(broker: Broker, forget: () => void): Broker {
  return new Proxy(broker, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) return result.catch((err: unknown) => (forget(), Promise.reject(err)));
          return result;
        } catch (err) {
          forget();
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
