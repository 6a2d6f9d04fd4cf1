// kill -9 spread over the cores and edges of a cluster (two of each) during a simulator run with
// every fault on; each killed process is started again at once. At the end the same checks as the
// single-process crashes (trades on md.trades.v1.* and in ClickHouse exactly once, candles and
// tickers against a recomputation) and every book on both edges against the engine's.
// Serving again: a core kill, until every symbol advances past the kill on an edge; an edge kill,
// until every symbol advances on the restarted edge.
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { Random } from '../../src/sim/random.js';
import { startCluster } from '../../test/support/cluster.js';
import { isolatedEnv } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';
import { testStores } from '../../test/support/stores.js';
import { type ChaosOutcome, percentile, round, type Size, sleep } from '../lib/outcome.js';
import { keepLog, resetLogs } from '../lib/logs.js';
import { bookSeqs, knownSymbols, untilAdvancedPast } from '../lib/probes.js';
import { checkRun } from '../lib/run-check.js';
import { crashTargets, SIM_FAULTS } from './crashes.js';

const SIZES = {
  short: { kills: 4, symbols: 4, rate: 1000, duration: 75 },
  // ≥ 1,000,000 events; four service processes share the 2 cores with the stack and the simulator
  full: { kills: 20, symbols: 10, rate: 4000, duration: 270 },
} as const;

type Role = 'core' | 'edge';

export async function clusterCrashes(size: Size): Promise<ChaosOutcome> {
  const p = SIZES[size];
  const cfg = loadConfig();
  const kafka = createKafka(cfg.kafkaBrokers, 'chaos-cluster-crashes', createLogger('silent'));
  const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
  const rng = new Random(20261205);
  resetLogs('cluster-crashes');
  const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000', LOG_LEVEL: 'info' });
  const stores = await testStores(prefix);
  const cluster = await startCluster({ ...env, ...stores.env }, 2, 2);
  try {
    const sim = runSim(['--symbols', String(p.symbols), '--rate', String(p.rate), '--duration', String(p.duration), '--seed', '78', '--engine-speed', '6', ...SIM_FAULTS], env);
    let simDone = false;
    sim.then(() => (simDone = true), () => (simDone = true));
    const symbols = await knownSymbols(cluster.edges[0]!, p.symbols);
    for (const e of cluster.edges) await untilAdvancedPast(() => e, await bookSeqs(e, symbols));

    const serveAgain: Record<Role, number[]> = { core: [], edge: [] };
    for (let k = 0; k < p.kills && !simDone; ) {
      await sleep(500 + rng.next() * 3000);
      const role: Role = k % 2 === 0 ? 'core' : 'edge'; // alternate, so both kinds are killed as often
      const i = rng.int(0, 1);
      // watched: the restarted edge, or after a core kill the edge not restarted (it never stopped serving)
      const watchIndex = role === 'edge' ? i : rng.int(0, 1);
      const at = await bookSeqs(cluster.edges[watchIndex]!, symbols);
      if (at.size < symbols.length) continue;
      const killedAt = Date.now();
      const victim = role === 'core' ? cluster.cores[i]! : cluster.edges[i]!;
      await victim.stop('SIGKILL');
      keepLog('cluster-crashes', victim);
      await (role === 'core' ? cluster.startCore(i) : cluster.startEdge(i));
      serveAgain[role].push(((await untilAdvancedPast(() => cluster.edges[watchIndex]!, at)) - killedAt) / 1000);
      k++;
    }
    const summary = await sim;
    await sleep(2500); // one more ticker after the last trade
    const run = await checkRun({ kafka, decoder, prefix, stores, servers: cluster.edges, symbols: p.symbols });
    const { examples, ...counts } = run;
    const all = [...serveAgain.core, ...serveAgain.edge];
    return {
      name: 'chaos-cluster-crashes',
      metric: `time from kill -9 of a core or an edge (two of each) to every book and trade advancing again on an edge (worst of ${all.length} kills over ${summary.events.toLocaleString('en-US')} events with the simulator's faults on)`,
      value: round(Math.max(...all)),
      unit: 's',
      baseline: { name: 'median of the same kills', value: round(percentile(all, 50)) },
      size,
      figures: {
        events: summary.events,
        engine_faults: summary.faults,
        kills: all.length,
        kills_core: serveAgain.core.length,
        kills_edge: serveAgain.edge.length,
        serve_again_s_max_core: round(Math.max(...serveAgain.core)),
        serve_again_s_max_edge: round(Math.max(...serveAgain.edge)),
        serve_again_s_max: round(Math.max(...all)),
        serve_again_s_core: serveAgain.core.map((x) => round(x)),
        serve_again_s_edge: serveAgain.edge.map((x) => round(x)),
        ...counts,
        examples,
      },
      targets: crashTargets(p.kills),
    };
  } finally {
    for (const s of [...cluster.cores, ...cluster.edges]) keepLog('cluster-crashes', s);
    await cluster.stop();
    await stores.drop();
  }
}
