// The scenarios of `make chaos`, by name. `inTests`: its short version runs in `make test` (the
// single-store outages are covered there by `stores`, all three at once).
import type { ChaosOutcome, Size } from '../lib/outcome.js';
import { badInput } from './bad-input.js';
import { clusterCrashes } from './cluster-crashes.js';
import { crashes } from './crashes.js';
import { outage, OUTAGES } from './outage.js';
import { soak } from './soak.js';
import { wsAbuse } from './ws-abuse.js';

export interface Scenario {
  run(size: Size): Promise<ChaosOutcome>;
  inTests: boolean;
}

export const SCENARIOS: Record<string, Scenario> = {
  crashes: { run: crashes, inTests: true },
  'cluster-crashes': { run: clusterCrashes, inTests: true },
  broker: { run: (s) => outage(OUTAGES.broker, s), inTests: true },
  registry: { run: (s) => outage(OUTAGES.registry, s), inTests: true },
  stores: { run: (s) => outage(OUTAGES.stores, s), inTests: true },
  'bad-input': { run: badInput, inTests: true },
  'ws-abuse': { run: wsAbuse, inTests: true },
  soak: { run: soak, inTests: true },
  clickhouse: { run: (s) => outage(OUTAGES.clickhouse, s), inTests: false },
  postgres: { run: (s) => outage(OUTAGES.postgres, s), inTests: false },
  redis: { run: (s) => outage(OUTAGES.redis, s), inTests: false },
};
