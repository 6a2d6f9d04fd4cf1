import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { readTopics } from '../support/kafka.js';
import { engineFinalBooks, rebuildFromMdTopics } from '../support/md-book.js';
import { isolatedEnv, startService, type RunningService } from '../support/service.js';
import { runSim, type SimSummary } from '../support/sim.js';
import { waitUntil } from '../support/stack.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-ingest', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));


async function metric(svc: RunningService, name: string): Promise<number> {
  const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

/** Waits until what downstream rebuilds from md.* equals the engine's final book for every symbol. */
async function assertMdBooksEqualEngine(prefix: string, summary: SimSummary): Promise<void> {
  const engine = await engineFinalBooks(kafka, decoder, prefix);
  assert.equal(engine.size, summary.symbols);
  let last = '';
  await waitUntil(
    'md.* books equal to the engine final snapshots',
    async () => {
      const rebuilt = await rebuildFromMdTopics(kafka, decoder, prefix);
      for (const [symbol, snap] of engine) {
        const r = rebuilt.get(symbol);
        const want = { sequence: snap.sequence, bids: snap.bids.map((l) => [l.price, l.quantity]), asks: snap.asks.map((l) => [l.price, l.quantity]) };
        if (!r || r.sequence !== want.sequence || JSON.stringify([r.bids, r.asks]) !== JSON.stringify([want.bids, want.asks])) {
          last = `${symbol}: md at ${r?.sequence}, engine at ${snap.sequence}`;
          return false;
        }
        assert.equal(r.checksumFailures, 0, `${symbol} delta checksums`);
      }
      return true;
    },
    60_000,
    1000,
  ).catch((err) => assert.fail(`${(err as Error).message}; last difference ${last}`));
}

async function mdTrades(prefix: string, symbols: string[]): Promise<{ id: string; sequence: number }[]> {
  const out: { id: string; sequence: number }[] = [];
  for (const s of symbols) {
    for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${s}`])) {
      const t = await decoder.decode<{ trade_id: string; sequence: number }>(m.value);
      out.push({ id: t.trade_id, sequence: t.sequence });
    }
  }
  return out;
}

describe('ingestion: engine topics → books → md.* topics (real Kafka and registry)', () => {
  it('with gaps, duplicates, reordering, bad messages and crossed books: md books end equal to the engine, bad messages in the DLQ', async () => {
    const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1500' });
    const svc = await startService(env);
    try {
      const requests = async (client: string, api: string) => metric(svc, `md_kafka_requests_total{client="${client}",api="${api}"}`);
      const sim = runSim(
        ['--symbols', '3', '--rate', '3000', '--duration', '6', '--seed', '31', '--snapshot-interval-ms', '500', '--hash-interval-ms', '300',
          '--gap-rate', '0.002', '--dup-rate', '0.002', '--reorder-rate', '0.002', '--bad-rate', '0.002', '--cross-rate', '0.002'],
        env,
      );
      sim.catch(() => undefined); // awaited below; a failure must not surface before then as unhandled
      // coordinator lookups counted from the second commit on: before, a broker restarted by an
      // earlier test may still be loading its transaction state (lookups retried until it answers)
      let [endsBefore, lookupsBefore] = [0, 0];
      await waitUntil('the second commit', async () => {
        [endsBefore, lookupsBefore] = [await requests('producer', 'EndTxn'), await requests('producer', 'GroupCoordinator')];
        return endsBefore >= 2;
      }, 60_000, 50);
      const summary = await sim;
      for (const [k, n] of Object.entries(summary.faults)) assert.ok(n > 0, `${k} injected`);
      await assertMdBooksEqualEngine(prefix, summary);

      const dlq = await readTopics(kafka, [`${prefix}md.dlq.v1`]);
      const fromEvents = dlq.filter((m) => m.headers?.['dlq.source.topic']?.toString() === `${prefix}engine.event.v1`);
      assert.equal(fromEvents.length, summary.faults.bad, 'every undecodable message in the DLQ');
      for (const m of fromEvents) {
        assert.ok(m.headers?.['dlq.reason'] && m.headers['dlq.source.offset'] && m.headers['dlq.source.partition']);
      }
      assert.equal(await metric(svc, 'md_dlq_messages_total'), summary.faults.bad);
      // a gap at the tail of a symbol's stream (no later event shows it) is declared once the symbol
      // has been quiet for a second and a newer engine snapshot is in: the books may match before
      // that when the lost event changed no level (a trade)
      let gaps = 0;
      await waitUntil(`md_seq_gap_total reaching the ${summary.faults.gap} gaps injected`, async () => (gaps = await metric(svc, 'md_seq_gap_total')) >= summary.faults.gap, 15_000, 200).catch((err: Error) => {
        throw new Error(`${err.message}: ${gaps} counted`);
      });
      assert.ok((await metric(svc, 'md_book_resyncs_total')) > 0);
      assert.equal(await metric(svc, 'md_kafka_messages_consumed_total{topic="' + prefix + 'engine.event.v1"}'), summary.messages - summary.snapshots - summary.hashes);
      // requests by client and API: the transactions found their coordinator once per producer, not before each request
      const [fetches, produces] = [await requests('consumer', 'Fetch'), await requests('producer', 'Produce')];
      const ends = (await requests('producer', 'EndTxn')) - endsBefore;
      const lookups = (await requests('producer', 'GroupCoordinator')) - lookupsBefore;
      assert.ok(fetches > 0 && produces > 0, `fetches ${fetches}, produce requests ${produces}`);
      const failedRounds = await metric(svc, 'md_publish_transaction_failures_total');
      if (failedRounds > 0 || !(ends >= 10 && lookups < ends / 2)) {
        const byApi = (await (await fetch(`${svc.baseUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith('md_kafka_requests_total{client="producer"'));
        assert.fail(`${failedRounds} failed publish attempts (the broker was up throughout); ${lookups} coordinator lookups for ${ends} commits (from the second on)\n${byApi.join('\n')}\nservice log tail:\n${svc.output().slice(-3000)}`);
      }

      const trades = await mdTrades(prefix, Object.keys(summary.final));
      assert.equal(new Set(trades.map((t) => t.id)).size, trades.length, 'no trade published twice');
      assert.ok(trades.length <= summary.trades && trades.length >= summary.trades - summary.faults.gap, `${trades.length} of ${summary.trades} trades`);
      assert.equal(svc.proc.exitCode, null, 'the service lives on');
    } finally {
      await svc.stop();
    }
  });

  it('kill -9 mid-stream and restart: books right again, every trade in md.trades exactly once', async () => {
    const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1500' });
    let svc = await startService(env);
    const sim = runSim(['--symbols', '3', '--rate', '2500', '--duration', '9', '--seed', '32', '--snapshot-interval-ms', '500'], env);
    await new Promise((r) => setTimeout(r, 3500));
    await svc.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    svc = await startService(env);
    try {
      const summary = await sim;
      await assertMdBooksEqualEngine(prefix, summary);
      const trades = await mdTrades(prefix, Object.keys(summary.final));
      assert.equal(new Set(trades.map((t) => t.id)).size, trades.length, 'no trade published twice');
      assert.equal(trades.length, summary.trades, 'no trade lost');
    } finally {
      await svc.stop();
    }
  });
});
