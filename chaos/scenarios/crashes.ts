// kill -9 of the service at random moments of a simulator run with every fault on; each time it
// is started again at once. Figures: events, kills, trades lost or doubled, candles and tickers
// differing from a recomputation, books differing from the engine's, and the time from each kill
// to every book advancing again on REST — beside the same after an orderly restart (SIGTERM).
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { Random } from '../../src/sim/random.js';
import { isolatedEnv, startService, type RunningService } from '../../test/support/service.js';
import { runSim } from '../../test/support/sim.js';
import { testStores } from '../../test/support/stores.js';
import { type ChaosOutcome, percentile, round, type Size, sleep, type Target } from '../lib/outcome.js';
import { keepLog, resetLogs } from '../lib/logs.js';
import { bookSeqs, knownSymbols, untilAdvancedPast } from '../lib/probes.js';
import { checkRun, EXACT_RUN } from '../lib/run-check.js';

export const SIM_FAULTS = ['--gap-rate', '0.0005', '--dup-rate', '0.001', '--reorder-rate', '0.001', '--bad-rate', '0.0005', '--cross-rate', '0.0005'];

/** A crash run's targets: every kill made, the run exact, each time to serve again within 10 s. */
export const crashTargets = (kills: number): Target[] => [{ figure: 'kills', min: kills }, ...EXACT_RUN, { figure: 'serve_again_s_max', max: 10 }];

const SIZES = {
  short: { kills: 3, symbols: 4, rate: 2000, duration: 45 },
  // ≥ 1,000,000 events; 20 kills of ~10 s each (restart, group rejoin, serving, a random pause)
  full: { kills: 20, symbols: 10, rate: 5000, duration: 220 },
} as const;

export async function crashes(size: Size): Promise<ChaosOutcome> {
  const p = SIZES[size];
  const cfg = loadConfig();
  const kafka = createKafka(cfg.kafkaBrokers, 'chaos-crashes', createLogger('silent'));
  const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
  const rng = new Random(20261203);
  resetLogs('crashes');
  // info: the logs kept in .chaos/logs show each join, restore and failed transaction
  const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000', LOG_LEVEL: 'info' });
  const stores = await testStores(prefix);
  const svcEnv = { ...env, ...stores.env };
  let svc: RunningService = await startService(svcEnv);
  const current = () => svc;
  try {
    // 6 engine seconds per wall second: 1m to 15m candles close during the run. Not faster: a gap
    // holds its symbol up to 250 ms of wall time, which must stay inside the 2 s engine-time grace
    // before a candle closes by the clock (at 60x it is 15 engine seconds and its trades come late).
    const sim = runSim(['--symbols', String(p.symbols), '--rate', String(p.rate), '--duration', String(p.duration), '--seed', '77', '--engine-speed', '6', ...SIM_FAULTS], env);
    let simDone = false;
    sim.then(() => (simDone = true), () => (simDone = true));
    const symbols = await knownSymbols(svc, p.symbols);
    await untilAdvancedPast(current, await bookSeqs(svc, symbols));

    // the baseline: an orderly restart (SIGTERM, drain, start) to every book advancing again
    const before = await bookSeqs(svc, symbols);
    const t0 = Date.now();
    await svc.stop('SIGTERM');
    keepLog('crashes', svc);
    svc = await startService(svcEnv);
    const gracefulS = ((await untilAdvancedPast(current, before)) - t0) / 1000;

    const serveAgainS: number[] = [];
    while (serveAgainS.length < p.kills && !simDone) {
      await sleep(500 + rng.next() * 3000);
      const at = await bookSeqs(svc, symbols);
      if (at.size < symbols.length) continue;
      const killedAt = Date.now();
      await svc.stop('SIGKILL');
      keepLog('crashes', svc);
      svc = await startService(svcEnv);
      serveAgainS.push(((await untilAdvancedPast(current, at)) - killedAt) / 1000);
    }
    const summary = await sim;
    await sleep(2500); // one more ticker after the last trade
    const run = await checkRun({ kafka, decoder, prefix, stores, servers: [svc], symbols: p.symbols });
    const { examples, ...counts } = run;
    return {
      name: 'chaos-crashes',
      metric: `time from kill -9 to every book advancing again on REST (worst of ${serveAgainS.length} kills over ${summary.events.toLocaleString('en-US')} events with the simulator's faults on)`,
      value: round(Math.max(...serveAgainS)),
      unit: 's',
      baseline: { name: 'an orderly restart (SIGTERM) in the same run', value: round(gracefulS) },
      size,
      figures: {
        events: summary.events,
        engine_faults: summary.faults,
        kills: serveAgainS.length,
        kills_planned: p.kills,
        serve_again_s_p50: round(percentile(serveAgainS, 50)),
        serve_again_s_max: round(Math.max(...serveAgainS)),
        serve_again_s: serveAgainS.map((x) => round(x)),
        graceful_restart_s: round(gracefulS),
        ...counts,
        examples,
      },
      targets: crashTargets(p.kills),
    };
  } finally {
    await svc.stop();
    keepLog('crashes', svc);
    await stores.drop();
  }
}
