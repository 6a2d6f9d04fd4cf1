import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { repoPath } from '../../src/paths.js';
import { startCluster } from '../support/cluster.js';
import { readTopics } from '../support/kafka.js';
import { engineFinalBooks } from '../support/md-book.js';
import { promSample } from '../support/metrics.js';
import { isolatedEnv, type RunningService } from '../support/service.js';
import { startSim, type RunningSim } from '../support/sim.js';
import { waitUntil } from '../support/stack.js';
import { assertCandlesExact, simInstrument, testStores } from '../support/stores.js';
import { TestClient } from '../support/ws-client.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-cluster', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOLS = 6;

interface Depth {
  seq: number;
  status: string;
  bids: [string, string][];
  asks: [string, string][];
}
const depth = async (svc: RunningService, symbol: string): Promise<Depth> => (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${symbol}&depth=5000`)).json()) as Depth;

function grpcBook(svc: RunningService, symbol: string): Promise<{ sequence: number; bids: unknown[] }> {
  const def = protoLoader.loadSync(repoPath('proto/marketdata.proto'), { keepCase: true, longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { marketdata: { v1: { MarketData: grpc.ServiceClientConstructor } } };
  const client = new pkg.marketdata.v1.MarketData(`127.0.0.1:${svc.grpcPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    GetOrderBook(req: object, opts: grpc.CallOptions, cb: (err: Error | null, res: { sequence: number; bids: unknown[] }) => void): void;
  };
  return new Promise((resolve, reject) =>
    client.GetOrderBook({ symbol, depth: 10 }, { deadline: Date.now() + 10_000 }, (err, res) => (client.close(), err ? reject(err) : resolve(res))),
  );
}

/** A line in the test's output per step of a long run, so a run that hangs says where. */
function phases(): (what: string) => void {
  const t0 = Date.now();
  return (what) => process.stdout.write(`# ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}\n`);
}

/** Subscribes a client to every symbol's book and trades. */
async function watchAll(svc: RunningService, symbols: string[], seqs?: Map<string, number>): Promise<TestClient> {
  const c = new TestClient(`ws://127.0.0.1:${svc.httpPort}/ws`);
  await c.opened;
  for (const symbol of symbols) {
    c.send({ op: 'subscribe', channel: 'book', symbol, ...(seqs?.has(symbol) ? { seq: seqs.get(symbol) } : {}) });
    c.send({ op: 'subscribe', channel: 'trades', symbol });
  }
  return c;
}

/** A core's log lines about its group, restores, drains, transactions and failures (what a failure message shows). */
function groupEvents(log: string, last = 30): string {
  return log
    .split('\n')
    .filter((l) => /joined group|group|restored|rebalanc|revoke|drain|late|producer|transaction|failed|error|warn/i.test(l) && !l.includes('Heartbeat'))
    .slice(-last)
    .join('\n');
}

/** Milliseconds until every symbol's book on `edge` (REST) has moved past where it was at the call. */
async function untilAllAdvance(edge: RunningService, symbols: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  const at = new Map(await Promise.all(symbols.map(async (s) => [s, (await depth(edge, s)).seq] as const)));
  const moved = new Set<string>();
  await waitUntil('every book advancing on the edge', async () => {
    for (const s of symbols) if (!moved.has(s) && (await depth(edge, s)).seq > at.get(s)!) moved.add(s);
    return moved.size === symbols.length;
  }, timeoutMs, 50).catch((err: Error) => {
    const still = symbols.filter((s) => !moved.has(s));
    assert.fail(`${err.message}: ${still.join(', ')} still at ${still.map((s) => at.get(s)).join(', ')}\n${edge.output().slice(-3000)}`);
  });
  return Date.now() - started;
}

describe('scale-out: two cores and two edges on Kafka (real processes, kill -9)', () => {
  it('edges serve every symbol with the engine books and one seq chain; a core killed mid-run is taken over and rejoins; trades once, candles exact', async () => {
    const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000' });
    const stores = await testStores(prefix);
    // clients within their budget (conflation has tests of its own): every delta is compared
    const cluster = await startCluster({ ...env, ...stores.env, WS_RATE_MAX_MSGS_PER_SEC: '5000' }, 2, 2, { LOG_LEVEL: 'info' });
    const phase = phases();
    const clients: TestClient[] = [];
    let sim: RunningSim | undefined;
    try {
      // the engine runs until the rejoin has been seen (a fixed duration could end before a slow
      // machine got there, and books that no longer move cannot show a takeover); 150 s caps it
      sim = startSim(['--symbols', String(SYMBOLS), '--rate', '2000', '--duration', '150', '--seed', '91', '--engine-speed', '6',
        '--gap-rate', '0.0005', '--dup-rate', '0.001', '--reorder-rate', '0.001', '--bad-rate', '0.0005', '--cross-rate', '0.0005'], { ...env });
      let symbols: string[] = [];
      await waitUntil('the edges know every symbol', async () => {
        const r = (await (await fetch(`${cluster.edges[0]!.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] };
        symbols = r.symbols.map((s) => s.symbol);
        return symbols.length === SYMBOLS;
      }, 60_000, 200).catch((err: Error) => assert.fail(`${err.message} (${symbols.length} known)\n${cluster.edges.map((e, i) => `edge ${i}:\n${e.output().slice(-3000)}`).join('\n')}`));
      await sleep(3000);
      for (const edge of cluster.edges) clients.push(await watchAll(edge, symbols));
      await sleep(5000);

      // kill -9 one core: the other takes its partitions over (a consumer-group session later)
      await cluster.cores[0]!.stop('SIGKILL');
      const killedLog = cluster.cores[0]!.output();
      const takeoverMs = await untilAllAdvance(cluster.edges[0]!, symbols, 60_000);
      await sleep(2000);
      // and back: its partitions move again on the rebalance
      const restarted = await cluster.startCore(0);
      // once the group has given it partitions back (it consumes engine events), every book moves on
      const rejoinStarted = Date.now();
      await waitUntil('the restarted core consuming engine events', async () => {
        const text = await (await fetch(`${restarted.baseUrl}/metrics`)).text();
        return (promSample(text, `md_kafka_messages_consumed_total{topic="${prefix}engine.event.v1"}`) ?? 0) > 0;
      }, 60_000, 100).catch((err: Error) => {
        // where the rejoin stopped: the restarted core's start and the other core's group events
        assert.fail(`${err.message}\nrestarted core 0:\n${restarted.output().slice(-3000)}\ncore 1:\n${groupEvents(cluster.cores[1]!.output())}`);
      });
      const rejoinMs = Date.now() - rejoinStarted + (await untilAllAdvance(cluster.edges[1]!, symbols, 60_000));
      process.stdout.write(`# failover: every symbol advancing on an edge ${takeoverMs} ms after kill -9 of a core (takeover); the restarted core consuming again and every symbol advancing ${rejoinMs} ms after it answered (rebalance)\n`);
      await sleep(3000);
      sim.stop();
      await sim.done;
      phase('the simulator ended');
      // the trades the engine published (a gap fault never publishes its event; bad messages decode to nothing)
      const published = new Set<string>();
      const where = new Map<string, string>();
      for (const m of await readTopics(kafka, [`${prefix}engine.event.v1`])) {
        const e = await decoder.decode<{ kind: string; symbol: string; sequence: number; trade: { trade_id: string } | null }>(m.value).catch(() => undefined);
        if (e?.kind === 'TRADE' && e.trade) {
          published.add(e.trade.trade_id);
          where.set(e.trade.trade_id, `${e.symbol} seq ${e.sequence} at p${m.partition}@${m.offset}`);
        }
      }
      await stores.waitForTrades(published.size, 120_000).catch(async (err: Error) => {
        const stored = new Set((await stores.trades()).map((r) => r.trade_id));
        const missing = [...published].filter((id) => !stored.has(id));
        const onMd = new Set<string>();
        for (const s of symbols) for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${s}`])) onMd.add((await decoder.decode<{ trade_id: string }>(m.value)).trade_id);
        assert.fail(`${err.message} (${stored.size} there); missing: ${missing.map((id) => `${id} (${where.get(id)}, ${onMd.has(id) ? 'on' : 'not on'} md.trades)`).join(', ')}\nkilled core 0:\n${groupEvents(killedLog)}\n${cluster.cores.map((c, i) => `core ${i}:\n${groupEvents(c.output())}`).join('\n')}`);
      });
      phase('every trade in ClickHouse');
      const rows = await stores.trades();
      assert.deepEqual(new Set(rows.map((r) => r.trade_id)), published, 'every published trade in ClickHouse');

      // md.trades: each trade exactly once (read_committed, as edges read them)
      const ids: string[] = [];
      for (const s of symbols) for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${s}`])) ids.push((await decoder.decode<{ trade_id: string }>(m.value)).trade_id);
      assert.equal(new Set(ids).size, ids.length, 'no trade twice on md.trades.v1.*');
      assert.deepEqual(new Set(ids), published, 'every trade on md.trades.v1.*');

      phase('trades once on md.trades');
      // books on both edges (REST, gRPC, WebSocket clients) equal the engine's final snapshots
      const engine = await engineFinalBooks(kafka, decoder, prefix);
      for (const [symbol, snap] of engine) {
        const want = { seq: snap.sequence, bids: snap.bids.map((l) => [l.price, l.quantity]), asks: snap.asks.map((l) => [l.price, l.quantity]) };
        for (const [i, edge] of cluster.edges.entries()) {
          let got: Depth | undefined;
          await waitUntil(`${symbol} on edge ${i} at the engine's final sequence`, async () => (got = await depth(edge, symbol)).seq === snap.sequence, 30_000, 250).catch(async (err: Error) => {
            const from = Math.min(got?.seq ?? 0, snap.sequence) - 100;
            const md: string[] = [];
            for (const m of await readTopics(kafka, [`${prefix}md.orderbook.delta.v1`, `${prefix}md.orderbook.snap.v1`])) {
              const v = await decoder.decode<{ symbol: string; sequence: number; prev_sequence?: number; reason?: string }>(m.value);
              if (v.symbol === symbol && v.sequence >= from) md.push(`${m.topic.slice(-8)} p${m.partition}@${m.offset}: ${v.prev_sequence ?? v.reason}→${v.sequence}`);
            }
            const seen = clients[i]!.received.filter((r) => r.msg.symbol === symbol && r.msg.type === 'book' && Number(r.msg.seq) >= from).map((r) => `${String(r.msg.action)} ${String(r.msg.prev_seq)}→${String(r.msg.seq)}`);
            assert.fail(`${err.message}: at ${got?.seq} (${got?.status}), engine at ${snap.sequence}\nmd (committed): ${md.join('; ')}\nclient of edge ${i}: ${seen.join('; ')}\n${edge.output().slice(-2000)}\n${cluster.cores.map((c, j) => `core ${j}:\n${c.output().slice(-1500)}`).join('\n')}`);
          });
          assert.deepEqual({ seq: got!.seq, bids: got!.bids, asks: got!.asks }, want, `${symbol}: edge ${i} REST book`);
          assert.equal((await grpcBook(edge, symbol)).sequence, snap.sequence, `${symbol}: edge ${i} gRPC book`);
          const c = clients[i]!;
          await waitUntil(`${symbol}: client of edge ${i} at the final sequence`, async () => c.book(symbol)?.seq === snap.sequence, 10_000, 100);
          assert.deepEqual({ seq: c.book(symbol)!.seq, ...c.levels(symbol) }, want, `${symbol}: WebSocket book on edge ${i}`);
        }
      }
      for (const [i, c] of clients.entries()) {
        assert.deepEqual(c.checksumFailures, [], `edge ${i}: every book message passed its checksum`);
        for (const s of symbols) assert.equal(c.book(s)!.chainBreaks, 0, `edge ${i} ${s}: no chain break`);
      }
      phase('books on both edges equal the engine');
      // the same chain on both edges: every delta both clients saw chains from the same seq, except
      // the first after a new base (a core that took a partition over publishes its book whole, and
      // an edge may join its chain at a different point)
      const chain = (c: TestClient) => {
        const out = new Map<string, { prev: unknown; afterBase: boolean }>();
        const lastAction = new Map<string, unknown>();
        for (const r of c.received) {
          if (r.msg.type !== 'book') continue;
          const sym = String(r.msg.symbol);
          if (r.msg.action === 'delta' && !r.msg.conflated) out.set(`${sym}/${String(r.msg.seq)}`, { prev: r.msg.prev_seq, afterBase: lastAction.get(sym) !== 'delta' });
          if (r.msg.action !== 'status') lastAction.set(sym, r.msg.action);
        }
        return out;
      };
      const [a, b] = clients.map(chain) as [ReturnType<typeof chain>, ReturnType<typeof chain>];
      let common = 0;
      let forks = 0;
      for (const [k, x] of a) {
        const y = b.get(k);
        if (!y) continue;
        common++;
        if (x.prev === y.prev) continue;
        forks++;
        if (!(x.afterBase || y.afterBase)) {
          const [sym, seq] = k.split('/') as [string, string];
          const around: string[] = [];
          for (const m of await readTopics(kafka, [`${prefix}md.orderbook.delta.v1`, `${prefix}md.orderbook.snap.v1`])) {
            const v = await decoder.decode<{ symbol: string; sequence: number; prev_sequence?: number; reason?: string }>(m.value);
            if (v.symbol === sym && Math.abs(v.sequence - Number(seq)) < 80) around.push(`${m.topic.slice(-8)} p${m.partition}@${m.offset}: ${v.prev_sequence ?? v.reason}→${v.sequence}`);
          }
          const seen = (c: TestClient) => c.received.filter((r) => r.msg.symbol === sym && r.msg.type === 'book' && Math.abs(Number(r.msg.seq) - Number(seq)) < 80).map((r) => `${String(r.msg.action)} ${String(r.msg.prev_seq)}→${String(r.msg.seq)}`);
          const joins = cluster.cores.map((c, i) => `core ${i}: ${c.output().split('\n').filter((l) => l.includes('joined group') || l.includes('restored')).join('\n')}`);
          assert.fail(`${k}: prev_seq ${String(x.prev)} on edge 0, ${String(y.prev)} on edge 1, neither right after a new base\nmd: ${around.join('; ')}\nedge 0: ${seen(clients[0]!).join('; ')}\nedge 1: ${seen(clients[1]!).join('; ')}\n${joins.join('\n')}`);
        }
      }
      assert.ok(common > 100 && forks <= 2 * SYMBOLS, `both edges published the same deltas (${common} in common, ${forks} joined after different bases)`);
      const tradesOf = (c: TestClient) => c.trades.filter((t) => t.seq > 0).map((t) => t.id);
      assert.equal(new Set(tradesOf(clients[0]!)).size, tradesOf(clients[0]!).length, 'no trade twice on an edge');

      phase('one chain on both edges');
      // candles stored by the cores equal a recomputation from the stored trades
      for (const symbol of symbols) {
        await assertCandlesExact(stores.pg, simInstrument(symbol, SYMBOLS), rows, '1m', 2).catch(async (err: Error) => {
          // which core counted what: joins, restores and revokes of each, and their late trades
          const late = await Promise.all(cluster.cores.map(async (c) => promSample(await (await fetch(`${c.baseUrl}/metrics`)).text(), `md_ohlcv_late_trades_total{symbol="${symbol}"}`)));
          assert.fail(`${err.message}\nlate trades on the live cores: ${late.join(', ')}\nkilled core 0:\n${groupEvents(killedLog)}\n${cluster.cores.map((c, i) => `core ${i}:\n${groupEvents(c.output())}`).join('\n')}`);
        });
      }
      phase('candles exact');
      for (const edge of cluster.edges) {
        const text = await (await fetch(`${edge.baseUrl}/metrics`)).text();
        assert.equal(promSample(text, 'md_edge_problems_total{cause="checksum_mismatch"}') ?? 0, 0, 'no checksum mismatch on an edge');
        // where the edge's deltas spent their time, both stages timed
        for (const stage of ['core', 'transport']) assert.ok((promSample(text, `md_edge_lag_ms_count{stage="${stage}"}`) ?? 0) > 0, `md_edge_lag_ms{stage="${stage}"} observed`);
      }
    } finally {
      sim?.stop();
      for (const c of clients) await c.close();
      await cluster.stop();
      await stores.drop();
    }
  });

  it('kill -9 of an edge: its clients reconnect to the other edge with their seq and get exactly the deltas they missed', async () => {
    const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000' });
    const cluster = await startCluster(env, 1, 2);
    const clients: TestClient[] = [];
    let sim: RunningSim | undefined;
    try {
      // until the last check of a moving book, as above
      sim = startSim(['--symbols', '2', '--rate', '1000', '--duration', '120', '--seed', '92'], env);
      let symbols: string[] = [];
      await waitUntil('the edges know every symbol', async () => {
        const r = (await (await fetch(`${cluster.edges[0]!.baseUrl}/v1/symbols`)).json()) as { symbols: { symbol: string }[] };
        symbols = r.symbols.map((s) => s.symbol);
        return symbols.length === 2;
      }, 60_000, 200);
      await sleep(4000);
      const first = await watchAll(cluster.edges[0]!, symbols);
      clients.push(first);
      await waitUntil('books on the first edge', async () => symbols.every((s) => (first.book(s)?.messages ?? 0) > 20), 30_000, 100);
      await cluster.edges[0]!.stop('SIGKILL');
      await waitUntil('the client sees the edge go', async () => first.closed !== undefined, 10_000, 20);
      const seqs = new Map(symbols.map((s) => [s, first.book(s)!.seq]));
      await sleep(1500); // the market moves on meanwhile; nobody reads these books on the other edge
      const second = new TestClient(`ws://127.0.0.1:${cluster.edges[1]!.httpPort}/ws`);
      clients.push(second);
      for (const s of symbols) second.adopt(s, first.book(s)!);
      await second.opened;
      for (const s of symbols) second.send({ op: 'subscribe', channel: 'book', symbol: s, seq: seqs.get(s) });
      await waitUntil('the resumed books move on', async () => symbols.every((s) => second.book(s)!.seq > seqs.get(s)! && second.book(s)!.messages > 5), 15_000, 50);
      for (const s of symbols) {
        const firstBook = second.received.find((r) => r.msg.type === 'book' && r.msg.symbol === s)!.msg;
        assert.equal(firstBook.action, 'delta', `${s}: the missed deltas, not a snapshot`);
        assert.equal(firstBook.prev_seq, seqs.get(s), `${s}: starting where the client was`);
        assert.equal(second.book(s)!.chainBreaks, 0);
      }
      assert.deepEqual(second.checksumFailures, []);

      // garbage on md.* (random bytes, a wrong magic byte, an unknown schema id): counted, and the edge serves on
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: `${prefix}md.orderbook.delta.v1`, messages: [{ key: symbols[0]!, value: Buffer.from('not avro at all') }, { key: symbols[0]!, value: Buffer.from([1, 0, 0, 0, 1, 2]) }, { key: symbols[0]!, value: Buffer.from([0, 0x7f, 0, 0, 1, 2, 3]) }] });
      await producer.disconnect();
      const edgeMetrics = async () => (await (await fetch(`${cluster.edges[1]!.baseUrl}/metrics`)).text());
      await waitUntil('the garbage counted on the edge', async () => /md_edge_problems_total\{cause="bad_magic"\} [1-9]/.test(await edgeMetrics()) && /md_edge_problems_total\{cause="unknown_schema"\} [1-9]/.test(await edgeMetrics()), 10_000, 200);
      const before = second.book(symbols[0]!)!.seq;
      await waitUntil('the book moves on after the garbage', async () => second.book(symbols[0]!)!.seq > before, 10_000, 50);
      assert.equal(second.closed, undefined, 'the client never noticed');
      sim.stop();
      await sim.done;
      for (const s of symbols) {
        // the edge may still be catching up after the simulator ends: compare one depth answer with the
        // client's book read in the same tick, once both stand at the same seq
        let same: { seq: number; client: unknown; edge: unknown } | undefined;
        await waitUntil(`${s}: resumed client at the edge's book`, async () => {
          const d = await depth(cluster.edges[1]!, s);
          if (second.book(s)!.seq !== d.seq) return false;
          same = { seq: d.seq, client: second.levels(s), edge: { bids: d.bids, asks: d.asks } };
          return true;
        }, 10_000, 100);
        assert.deepEqual(same!.client, same!.edge, `${s} at ${same!.seq}`);
      }
    } finally {
      sim?.stop();
      for (const c of clients) await c.close();
      await cluster.stop();
    }
  });
});
