// One or more components of the stack stopped under load (through stack/stack.sh, as an operator
// would see it), then started again. A WebSocket client follows every symbol's trades and book
// throughout; a plain kafkajs consumer of the engine topic is the floor for the broker's return.
// Afterwards the run is checked like a crash run: nothing lost or doubled, candles, tickers and
// books exact, and nothing in the DLQ (the simulator sends no bad message here).
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../../test/support/kafka.js';
import { isolatedEnv, startService } from '../../test/support/service.js';
import { startSim } from '../../test/support/sim.js';
import { stack, type Component } from '../../test/support/stack.js';
import { testStores } from '../../test/support/stores.js';
import { TestClient } from '../../test/support/ws-client.js';
import { keepLog, resetLogs } from '../lib/logs.js';
import { type ChaosOutcome, round, type Size, sleep } from '../lib/outcome.js';
import { bookSeqs, knownSymbols, metricSum, metricsText, rssSampler, untilAdvancedPast } from '../lib/probes.js';
import { checkRun, EXACT_RUN } from '../lib/run-check.js';

/** A scenario that cannot run here (a component this checkout's stack did not start is not ours to stop). */
export class ScenarioSkipped extends Error {}

const SYMBOLS = 4;
/** The name /health gives each component. */
const DEPENDENCY: Record<Component, string> = { kafka: 'kafka', registry: 'schema_registry', clickhouse: 'clickhouse', postgres: 'postgres', redis: 'redis' };
const RATE = 2000;

export interface OutageSpec {
  name: string;
  components: Component[];
  downS: Record<Size, number>;
}

/** The longest silence between two trade frames a client received inside [from, to). */
function longestPauseMs(client: TestClient, from: number, to: number): number {
  const at = client.received.filter((r) => r.msg.type === 'trades' && r.at >= from && r.at < to).map((r) => r.at);
  let longest = 0;
  let prev = from;
  for (const t of [...at, to]) {
    longest = Math.max(longest, t - prev);
    prev = t;
  }
  return longest;
}

export async function outage(spec: OutageSpec, size: Size): Promise<ChaosOutcome> {
  const downS = spec.downS[size];
  const cfg = loadConfig();
  const kafka = createKafka(cfg.kafkaBrokers, `chaos-${spec.name}`, createLogger('silent'), 30);
  const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
  resetLogs(spec.name);
  const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000' });
  const stores = await testStores(prefix);
  // a budget that keeps the client live (conflation would merge the trades whose pauses are measured)
  const svc = await startService({ ...env, ...stores.env, WS_RATE_MAX_MSGS_PER_SEC: '5000' });
  const client = new TestClient(`ws://127.0.0.1:${svc.httpPort}/ws`);
  // the floor: a plain consumer of the same topic, no work
  const floor = kafka.consumer({ groupId: `chaos-floor-${randomUUID()}` });
  let floorLastAt = 0;
  const rss = rssSampler(() => svc.proc.pid);
  let stopped = false;
  let stopSim = () => undefined as void;
  try {
    const warmS = 12;
    // long enough for the calm window, the outage, a slow component start and the resumption after it
    const simRun = startSim(['--symbols', String(SYMBOLS), '--rate', String(RATE), '--duration', String(warmS + 2 * downS + 75), '--seed', '41', '--engine-speed', '6'], env);
    const sim = simRun.done;
    sim.catch(() => undefined);
    stopSim = simRun.stop;
    const symbols = await knownSymbols(svc, SYMBOLS).catch(async (err: Error) => {
      // what the simulator and the service said is the clue (the run's logs stay on the machine)
      simRun.stop();
      const simSaid = await sim.then(() => 'ended normally', (e: Error) => e.message);
      const counters = (await metricsText(svc).catch(() => '')).split('\n').filter((l) => /^md_(dlq|registry|kafka_messages_consumed|decode)/.test(l));
      throw new Error(`${err.message}\nthe simulator: ${simSaid.slice(-2000)}\nthe service's counters: ${counters.join('; ').slice(0, 2000)}\nthe service: ${svc.output().slice(-3000)}`);
    });
    await client.opened;
    for (const symbol of symbols) for (const channel of ['trades', 'book']) client.send({ op: 'subscribe', channel, symbol });
    await floor.connect();
    await floor.subscribe({ topic: `${prefix}engine.event.v1`, fromBeginning: false });
    void floor.run({ eachBatch: async () => void (floorLastAt = Date.now()) });
    await untilAdvancedPast(() => svc, await bookSeqs(svc, symbols));
    await sleep(warmS * 500);

    const consumed = async () => metricSum(await metricsText(svc), 'md_kafka_messages_consumed_total');
    const beforeAt = Date.now();
    const consumedBefore = await consumed();
    await sleep(downS * 1000); // the calm window the outage is compared with, as long as the outage
    const downAt = Date.now();
    const consumedAtDown = await consumed();
    const rssBefore = Math.max(...rss.samples.filter((s) => s.at >= beforeAt).map((s) => s.mib));
    for (const c of spec.components) {
      const out = await stack('stop', c);
      if (out.includes('not started by this stack')) throw new ScenarioSkipped(`${c} was not started by this checkout's stack; not stopping it`);
    }
    stopped = true;
    // the outage is felt: /health names what is down (as a load balancer or an operator sees it)
    const reportedDown = new Set<string>();
    for (const until = Date.now() + downS * 1000; Date.now() < until; await sleep(1000)) {
      const h = await fetch(`${svc.baseUrl}/health`).then((r) => r.json() as Promise<{ down?: string[] }>).catch(() => ({ down: [] }));
      for (const d of h.down ?? []) reportedDown.add(d);
    }
    const consumedDuring = (await consumed()) - consumedAtDown;
    const upAt = Date.now();
    for (const c of spec.components) await stack('start', c);
    stopped = false;
    const backAt = Date.now();
    const rssDown = Math.max(...rss.samples.filter((s) => s.at >= downAt && s.at <= backAt).map((s) => s.mib));

    // resumed: the client gets a trade again, the books and trades on REST move, the floor reads again
    const tradesSeen = client.trades.length;
    const resume = { client: NaN, rest: NaN, floor: NaN };
    const restFrom = await bookSeqs(svc, symbols);
    let restError: unknown;
    const restDone = untilAdvancedPast(() => svc, restFrom, 60_000).then(
      (t) => (resume.rest = (t - backAt) / 1000),
      (err: unknown) => (restError = err),
    );
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && (Number.isNaN(resume.client) || Number.isNaN(resume.floor)); await sleep(50)) {
      if (Number.isNaN(resume.client) && client.trades.length > tradesSeen) resume.client = (Date.now() - backAt) / 1000;
      if (Number.isNaN(resume.floor) && floorLastAt > backAt) resume.floor = (floorLastAt - backAt) / 1000;
    }
    await restDone;
    if (restError) throw restError;

    await sleep(5000); // a little of the resumed run, then the simulator ends (its final snapshots are the books' truth)
    simRun.stop();
    const summary = await sim;
    await sleep(2500);
    const run = await checkRun({ kafka, decoder, prefix, stores, servers: [svc], symbols: SYMBOLS });
    const dlq = (await readTopics(kafka, [`${prefix}md.dlq.v1`], 60_000, 2000)).length;
    const { examples, ...counts } = run;
    const pauseDown = longestPauseMs(client, downAt, upAt);
    const pauseCalm = longestPauseMs(client, beforeAt, downAt);
    const brokerDown = spec.components.includes('kafka');
    const figures = {
      events: summary.events,
      down_s: downS,
      restart_s: round((backAt - upAt) / 1000),
      client_pause_ms_calm: pauseCalm,
      client_pause_ms_down: pauseDown,
      client_resume_s: round(resume.client),
      rest_resume_s: round(resume.rest),
      floor_resume_s: round(resume.floor),
      events_per_s_calm: Math.round((consumedAtDown - consumedBefore) / downS),
      events_per_s_down: Math.round(consumedDuring / downS),
      rss_mib_calm: round(rssBefore, 0),
      rss_mib_down_peak: round(rssDown, 0),
      dlq_messages: dlq,
      health_reported_down: spec.components.filter((c) => reportedDown.has(DEPENDENCY[c])).length,
      // the outage was felt: writes to the stopped stores failed and were retried
      store_write_failures: metricSum(await metricsText(svc), 'md_store_write_failures_total'),
      ...counts,
      examples,
    };
    const exact = [...EXACT_RUN, { figure: 'dlq_messages', max: 0 }];
    const what = spec.components.join(', ');
    if (brokerDown) {
      return {
        name: `chaos-${spec.name}`,
        metric: `seconds from the Kafka broker's return (stopped ${downS} s under ${RATE.toLocaleString('en-US')} events/s) to a WebSocket client receiving trades again`,
        value: figures.client_resume_s,
        unit: 's',
        baseline: { name: 'a plain kafkajs consumer of the engine topic reading again', value: figures.floor_resume_s },
        size,
        figures,
        // 10 s is the target; the short run in make test allows 30 s (the broker's group coordinator
        // reloads its offsets partition after a restart, seconds on a broker full of test groups)
        targets: [{ figure: 'health_reported_down', min: 1 }, { figure: 'client_resume_s', max: size === 'full' ? 10 : 30 }, { figure: 'rest_resume_s', max: size === 'full' ? 10 : 30 }, ...exact],
      };
    }
    return {
      name: `chaos-${spec.name}`,
      metric: `longest pause of a client's live trades while ${what} ${spec.components.length > 1 ? 'were' : 'was'} down ${downS} s under ${RATE.toLocaleString('en-US')} events/s`,
      value: pauseDown,
      unit: 'ms',
      baseline: { name: 'the same client in the calm window before', value: pauseCalm },
      size,
      figures,
      targets: [
        // live service goes on: no pause longer than 2 s, consumption at least half its calm rate
        { figure: 'client_pause_ms_down', max: 2000 },
        { figure: 'events_per_s_down', min: Math.floor(figures.events_per_s_calm / 2) },
        { figure: 'rest_resume_s', max: 10 },
        { figure: 'rss_mib_down_peak', max: Math.round(rssBefore + 300) },
        { figure: 'health_reported_down', min: spec.components.length },
        ...exact,
      ],
    };
  } finally {
    stopSim();
    rss.stop();
    if (stopped) for (const c of spec.components) await stack('start', c).catch(() => undefined);
    await floor.disconnect().catch(() => undefined);
    await client.close();
    await svc.stop();
    keepLog(spec.name, svc);
    await stores.drop();
  }
}

export const OUTAGES = {
  broker: { name: 'broker', components: ['kafka'], downS: { short: 10, full: 30 } },
  registry: { name: 'registry', components: ['registry'], downS: { short: 10, full: 60 } },
  clickhouse: { name: 'clickhouse', components: ['clickhouse'], downS: { short: 10, full: 60 } },
  postgres: { name: 'postgres', components: ['postgres'], downS: { short: 10, full: 60 } },
  redis: { name: 'redis', components: ['redis'], downS: { short: 10, full: 60 } },
  stores: { name: 'stores', components: ['clickhouse', 'postgres', 'redis'], downS: { short: 15, full: 60 } },
} satisfies Record<string, OutageSpec>;
