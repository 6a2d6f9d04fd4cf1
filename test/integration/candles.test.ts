import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { candlesFromTrades, INTERVAL_NAMES, type Interval } from '../../src/domain/candle.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { candleView, type CandleView } from '../../src/domain/wire-views.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { listings } from '../../src/sim/instruments.js';
import { readTopics } from '../support/kafka.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-candles', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const FROM_AVRO: Record<string, Interval> = { m1: '1m', m5: '5m', m15: '15m', h1: '1h', h4: '4h', d1: '1d' };

describe('candles and tickers end to end (real Kafka)', () => {
  it('every closed candle on md.ohlcv.v1 equals a batch recomputation from md.trades, for every interval', async () => {
    const { prefix, env } = isolatedEnv();
    const svc = await startService(env);
    try {
      // 120 engine seconds per wall second: 8 s of wall time is 16 engine minutes
      const summary = await runSim(['--symbols', '2', '--rate', '1500', '--duration', '8', '--seed', '41', '--engine-speed', '120', '--start-time', String(Date.UTC(2026, 0, 1, 0, 0, 0))], env);
      await new Promise((r) => setTimeout(r, 4000));
      const symbols = Object.keys(summary.final);
      const candleMsgs = await readTopics(kafka, [`${prefix}md.ohlcv.v1`]);
      const closed = new Map<string, Record<string, unknown>>();
      const closedAt = new Map<string, string>();
      let updates = 0;
      for (const m of candleMsgs) {
        const c = await decoder.decode<Record<string, unknown>>(m.value);
        if (!c.closed) {
          updates++;
          continue;
        }
        const key = `${c.symbol}/${FROM_AVRO[c.interval as string]}/${c.open_time}`;
        assert.ok(!closed.has(key), `candle ${key} closed twice (offsets ${closedAt.get(key)} and ${m.partition}/${m.offset}); the service said: ${svc.output().slice(-4000)}`);
        closedAt.set(key, `${m.partition}/${m.offset}`);
        closed.set(key, { ...c, interval: FROM_AVRO[c.interval as string] });
      }
      assert.ok(updates > 0, 'in-progress updates are published');
      let compared = 0;
      for (const symbol of symbols) {
        const inst = makeInstrument(listings(2).find((l) => l.spec.symbol === symbol)!.spec);
        const trades = [];
        for (const m of await readTopics(kafka, [`${prefix}md.trades.v1.${symbol}`])) {
          const t = await decoder.decode<{ price: string; quantity: string; timestamp: number; sequence: number }>(m.value);
          trades.push({ price: inst.tick.toUnits(t.price), quantity: inst.lot.toUnits(t.quantity), ts: t.timestamp, sequence: t.sequence });
        }
        trades.sort((a, b) => a.sequence - b.sequence);
        assert.equal(trades.length, new Set(trades.map((t) => t.sequence)).size);
        for (const interval of INTERVAL_NAMES) {
          const ours = [...closed.values()].filter((c) => c.symbol === symbol && c.interval === interval);
          if (ours.length === 0) continue;
          const until = Math.max(...ours.map((c) => Number(c.close_time))) + 1;
          const expected: CandleView[] = candlesFromTrades(trades, interval, until).map((c) => candleView(inst, c));
          assert.deepEqual(ours.sort((a, b) => Number(a.open_time) - Number(b.open_time)), expected, `${symbol} ${interval}`);
          compared += expected.length;
        }
      }
      assert.ok(compared >= 20, `${compared} candles compared`);
      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_ohlcv_candles_closed_total\{symbol="BTCUSDT-PERP",interval="1m"\} \d+/);

      const tickers = await readTopics(kafka, [`${prefix}md.ticker24h.v1`]);
      assert.ok(tickers.length >= symbols.length);
      const t = await decoder.decode<{ symbol: string; volume: string; last: string | null; best_bid: string | null }>(tickers[tickers.length - 1]!.value);
      assert.ok(symbols.includes(t.symbol) && t.last !== null && t.best_bid !== null && Number(t.volume) > 0, JSON.stringify(t));
    } finally {
      await svc.stop();
    }
  });
});
