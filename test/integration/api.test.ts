import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { makeInstrument } from '../../src/domain/instrument.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { createLogger } from '../../src/obs/logger.js';
import { listings } from '../../src/sim/instruments.js';
import { engineFinalBooks } from '../support/md-book.js';
import { isolatedEnv, startService, waitForMarket } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { waitUntil } from '../support/stack.js';
import { promSample } from '../support/metrics.js';
import { TestClient } from '../support/ws-client.js';

const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-api', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOLS = ['BTCUSDT-PERP', 'ETHUSDT-PERP'];

/** The engine's book grouped like the service does: bids down, asks up, sizes summed, in the instrument's increments. */
function grouped(levels: { price: string; quantity: string }[], symbol: string, groupTicks: number, side: 'bid' | 'ask'): [string, string][] {
  const inst = makeInstrument(listings(2).find((l) => l.spec.symbol === symbol)!.spec);
  const out = new Map<number, number>();
  for (const l of levels) {
    const p = inst.tick.toUnits(l.price);
    const bucket = side === 'bid' ? Math.floor(p / groupTicks) * groupTicks : Math.ceil(p / groupTicks) * groupTicks;
    out.set(bucket, (out.get(bucket) ?? 0) + inst.lot.toUnits(l.quantity));
  }
  return [...out].map(([p, q]) => [inst.tick.format(p), inst.lot.format(q)]);
}

describe('WebSocket, REST and SSE with the simulator running (real clients)', () => {
  it('books rebuilt from snapshot + deltas equal /v1/depth and the engine, checksums always match, also for a client held to 10 msgs/s; kline and ticker equal REST', async () => {
    const { prefix, env } = isolatedEnv({ WS_BOOK_SNAPSHOT_INTERVAL_MS: '3000' });
    const svc = await startService(env);
    const url = `ws://127.0.0.1:${svc.httpPort}/ws`;
    const live = new TestClient(url);
    const slow = new TestClient(url);
    const coarse = new TestClient(url);
    try {
      await Promise.all([live.opened, slow.opened, coarse.opened]);
      const sim = runSim(['--symbols', '2', '--rate', '3000', '--duration', '10', '--seed', '71'], env);
      await waitForMarket(svc, SYMBOLS);
      slow.send({ op: 'config', max_msgs_per_sec: 10 });
      coarse.send({ op: 'config', prec: '1.0' });
      for (const symbol of SYMBOLS) {
        for (const channel of ['book', 'trades', 'ticker', 'kline:1m']) live.send({ op: 'subscribe', channel, symbol });
        slow.send({ op: 'subscribe', channel: 'book', symbol });
        slow.send({ op: 'subscribe', channel: 'trades', symbol });
      }
      coarse.send({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP' });
      const subscribedAt = Date.now();
      // mid-run: remember where the live client's book is (a client that is about to lose its connection)
      await sleep(3000);
      const kept = live.book('BTCUSDT-PERP')!.clone();
      // an SSE reader of trades throttled to 500 ms
      const sseStart = Date.now();
      const sseTrades = await fetch(`${svc.baseUrl}/v1/stream/trades/BTCUSDT-PERP?throttle=500ms`);
      const sseReader = sseTrades.body!.getReader();
      let sseText = '';
      while (Date.now() - sseStart < 3000) sseText += Buffer.from((await sseReader.read()).value ?? []).toString();
      const sseSpan = Date.now() - sseStart;
      await sseReader.cancel();
      const sseEvents = sseText.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { type: string; data: unknown[] });
      assert.ok(sseEvents.length >= 2 && sseEvents.length <= Math.ceil(sseSpan / 500) + 1, `${sseEvents.length} SSE events in ${sseSpan} ms at 500 ms`);
      assert.ok(sseEvents.every((e) => e.type === 'trades' && e.data.length > 0), 'SSE carries the WebSocket payloads, trades merged');
      const summary = await sim;
      const simEndedAt = Date.now();
      await sleep(2500); // the last flush, a ticker tick, the slow client's catch-up

      const engine = await engineFinalBooks(kafka, decoder, prefix);
      for (const symbol of SYMBOLS) {
        const snap = engine.get(symbol)!;
        const want = { bids: snap.bids.map((l) => [l.price, l.quantity]), asks: snap.asks.map((l) => [l.price, l.quantity]) };
        const depth = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${symbol}&depth=5000`)).json()) as { seq: number; bids: string[][]; asks: string[][] };
        assert.equal(depth.seq, snap.sequence, `${symbol}: /v1/depth at the engine's final sequence`);
        assert.deepEqual({ bids: depth.bids, asks: depth.asks }, want, `${symbol}: /v1/depth equals the engine`);
        for (const [name, client] of [['live', live], ['10 msgs/s', slow]] as const) {
          const b = client.book(symbol);
          assert.ok(b, `${name} ${symbol}: got a book`);
          assert.equal(b.seq, snap.sequence, `${name} ${symbol}: at the final sequence`);
          assert.deepEqual(client.levels(symbol), want, `${name} ${symbol}: rebuilt book equals the engine`);
          assert.equal(b.checksumFailures, 0, `${name} ${symbol}: every checksum matched; failed: ${client.checksumFailures.join(', ')}`);
          assert.equal(b.chainBreaks, 0, `${name} ${symbol}: every delta chained from the previous seq`);
          assert.ok(b.messages > 3, `${name} ${symbol}: ${b.messages} book messages`);
        }
      }
      // the coarse client: BTC grouped by 1.0 (10 ticks)
      const btc = engine.get('BTCUSDT-PERP')!;
      assert.deepEqual(coarse.levels('BTCUSDT-PERP'), { bids: grouped(btc.bids, 'BTCUSDT-PERP', 10, 'bid'), asks: grouped(btc.asks, 'BTCUSDT-PERP', 10, 'ask') });
      assert.equal(coarse.book('BTCUSDT-PERP')!.checksumFailures, 0);

      // every trade reached both clients, the slow one merged into fewer messages
      for (const symbol of SYMBOLS) {
        // from the first trade both clients were subscribed for, they got the same trades, in order
        const ofSymbol = (c: TestClient) => c.trades.filter((t) => t.symbol === symbol);
        const from = Math.max(ofSymbol(live)[0]!.seq, ofSymbol(slow)[0]!.seq);
        const ids = (c: TestClient) => ofSymbol(c).filter((t) => t.seq >= from).map((t) => t.id);
        assert.ok(ids(live).length > 0);
        assert.deepEqual(ids(slow), ids(live), `${symbol}: the conflated client got every trade the live one did`);
      }
      assert.ok(live.tradeIds.size <= summary.trades);
      // messages per second while the simulator ran, from 2 s after subscribing (the budget is checked once a second)
      const perSecond = (c: TestClient) => {
        const xs = c.received.filter((r) => (r.msg.type === 'book' || r.msg.type === 'trades') && r.at >= subscribedAt + 2000 && r.at <= simEndedAt);
        const seconds = Math.max(1, (simEndedAt - subscribedAt - 2000) / 1000);
        const histogram = new Map<number, number>();
        for (const r of xs) histogram.set(Math.floor((r.at - subscribedAt) / 1000), (histogram.get(Math.floor((r.at - subscribedAt) / 1000)) ?? 0) + 1);
        return { rate: xs.length / seconds, histogram: JSON.stringify([...histogram]) };
      };
      assert.ok(perSecond(live).rate <= 120, `default budget (100): ${perSecond(live).rate.toFixed(1)} msgs/s: ${perSecond(live).histogram}`);
      assert.ok(perSecond(slow).rate < perSecond(live).rate);
      assert.ok(perSecond(slow).rate <= 12, `client held to 10 msgs/s got ${perSecond(slow).rate.toFixed(1)} msgs/s: ${perSecond(slow).histogram}`);
      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_ws_conflated_total [1-9]/);
      assert.match(metrics, /md_ws_clients 3/);

      // kline and ticker messages equal REST
      for (const symbol of SYMBOLS) {
        // at a minute boundary the clock closes the candle between the two reads: REST may answer the
        // next minute's flat candle while its message is still on the way, so both are read again
        // until they agree (a real difference stays and fails)
        const latestKline = () => live.latest.get(`kline/${symbol}/1m`)!.data as Record<string, unknown>;
        const restKline = async () => ((await (await fetch(`${svc.baseUrl}/v1/klines?symbol=${symbol}&interval=1m&limit=1`)).json()) as { klines: Record<string, unknown>[] }).klines.at(-1);
        let rest = await restKline();
        for (let i = 0; i < 20 && rest?.open_time !== latestKline().open_time; i++) {
          await sleep(100);
          rest = await restKline();
        }
        assert.deepEqual(rest, latestKline(), `${symbol}: latest kline message equals /v1/klines`);
        const ticker = live.latest.get(`ticker/${symbol}/`)!.data as Record<string, unknown>;
        const restTicker = (await (await fetch(`${svc.baseUrl}/v1/ticker/24h?symbol=${symbol}`)).json()) as Record<string, unknown>;
        for (const f of ['open', 'high', 'low', 'last', 'volume', 'quote_volume', 'trade_count', 'best_bid', 'best_ask']) assert.equal(restTicker[f], ticker[f], `${symbol} ticker ${f}`);
      }
      // reconnecting with the last seq: the missed deltas from the history, then live; an unknown seq gets a snapshot
      const back = new TestClient(url);
      const stale = new TestClient(url);
      await Promise.all([back.opened, stale.opened]);
      back.adopt('BTCUSDT-PERP', kept);
      back.send({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP', seq: kept.seq });
      stale.send({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP', seq: 1 });
      await waitUntil('resumed books', async () => back.book('BTCUSDT-PERP')!.seq === btc.sequence && stale.book('BTCUSDT-PERP')?.seq === btc.sequence, 10_000, 100);
      const resumed = back.received.filter((r) => r.msg.type === 'book');
      assert.ok(resumed.length > 0 && resumed.every((r) => r.msg.action === 'delta'), 'deltas only, no snapshot');
      assert.equal(resumed[0]!.msg.prev_seq, kept.seq);
      assert.deepEqual(back.levels('BTCUSDT-PERP'), live.levels('BTCUSDT-PERP'));
      assert.deepEqual([back.book('BTCUSDT-PERP')!.checksumFailures, back.book('BTCUSDT-PERP')!.chainBreaks], [0, 0]);
      assert.equal(stale.received.find((r) => r.msg.type === 'book')!.msg.action, 'snapshot');
      await Promise.all([back.close(), stale.close()]);

      const sse = await fetch(`${svc.baseUrl}/v1/stream/book/BTCUSDT-PERP?throttle=200ms`);
      assert.equal(sse.headers.get('content-type'), 'text/event-stream');
      const reader = sse.body!.getReader();
      let text = '';
      while (!text.includes('"action":"snapshot"')) text += Buffer.from((await reader.read()).value!).toString();
      const event = JSON.parse(text.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { seq: number; bids: string[][] };
      assert.equal(event.seq, btc.sequence, 'SSE book snapshot at the final sequence');
      assert.deepEqual(event.bids, btc.bids.map((l) => [l.price, l.quantity]));
      await reader.cancel();
    } finally {
      await Promise.all([live.close(), slow.close(), coarse.close()]);
      await svc.stop();
    }
  });

  it('bad frames, subscription floods, oversized frames and a client that never reads get their codes; a good client never notices', async () => {
    const { env } = isolatedEnv({ WS_MAX_BUFFERED_BYTES: '65536', WS_MAX_SUBSCRIPTIONS: '20' });
    const svc = await startService(env);
    const url = `ws://127.0.0.1:${svc.httpPort}/ws`;
    const good = new TestClient(url);
    const bad = new TestClient(url);
    const big = new TestClient(url);
    const flood = new TestClient(url);
    const deaf = new TestClient(url);
    try {
      await Promise.all([good.opened, bad.opened, big.opened, flood.opened, deaf.opened]);
      const sim = runSim(['--symbols', '2', '--rate', '3000', '--duration', '20', '--seed', '72'], env);
      await waitForMarket(svc, SYMBOLS);
      good.send({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP' });

      bad.send('{not json');
      bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      bad.send({ op: 'dance' });
      bad.send({ op: 'subscribe', channel: 'candles', symbol: 'BTCUSDT-PERP' });
      bad.send({ op: 'subscribe', channel: 'book', symbol: 'NOPE-PERP' });
      bad.send({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT-PERP', prec: '0.03' });
      bad.send({ op: 'unsubscribe', channel: 'trades', symbol: 'BTCUSDT-PERP' });
      for (let i = 0; i < 25; i++) bad.send({ op: 'subscribe', channel: i % 2 ? 'trades' : 'ticker', symbol: i % 4 < 2 ? 'BTCUSDT-PERP' : 'ETHUSDT-PERP', id: i });
      for (const c of ['kline:1m', 'kline:5m', 'kline:15m', 'kline:1h', 'kline:4h', 'kline:1d', 'mark', 'funding', 'index']) {
        for (const s of ['BTCUSDT-PERP', 'ETHUSDT-PERP']) bad.send({ op: 'subscribe', channel: c, symbol: s });
      }
      big.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(8000) }));
      for (let i = 0; i < 600; i++) flood.send({ op: 'ping', id: i });
      // never reads, and asks for a full book again and again (within the frame rate limit)
      deaf.ws.pause();
      const deafTimer = setInterval(() => {
        // four different streams, each answered with a full snapshot
        for (const [symbol, prec] of [['BTCUSDT-PERP', '0.1'], ['ETHUSDT-PERP', '0.01'], ['BTCUSDT-PERP', '0.2'], ['ETHUSDT-PERP', '0.02']]) deaf.send({ op: 'subscribe', channel: 'book', symbol, prec });
      }, 100);
      let bufferedMax = 0;
      await waitUntil(
        'the server closing the client that never reads',
        async () => {
          const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
          bufferedMax = Math.max(bufferedMax, promSample(text, 'md_ws_send_buffered_bytes') ?? 0);
          return /md_ws_dropped_connections_total\{reason="slow_consumer"\} 1/.test(text);
        },
        60_000,
        250,
      ).finally(() => clearInterval(deafTimer));
      assert.ok(bufferedMax > 0, 'the unread snapshots are seen waiting in the send buffers (md_ws_send_buffered_bytes)');
      deaf.ws.resume(); // now read, to see the close frame
      await sim;
      await sleep(1500);

      const codes = bad.errors.map((e) => e.code);
      for (const code of ['bad_json', 'binary_not_supported', 'bad_op', 'unknown_channel', 'unknown_symbol', 'bad_prec', 'not_subscribed', 'too_many_subscriptions']) assert.ok(codes.includes(code), `${code} in ${codes.join(',')}`);
      assert.equal(bad.closed, undefined, 'bad frames do not close the connection');
      bad.send({ op: 'ping', id: 'still-here' });
      await waitUntil('pong after the errors', async () => bad.received.some((r) => r.msg.type === 'pong' && r.msg.id === 'still-here'), 5000, 100);
      assert.equal(big.closed?.code, 1009, `oversized frame: ${JSON.stringify(big.closed)}`);
      assert.equal(flood.closed?.code, 4029, `flood: ${JSON.stringify(flood.closed)}`);
      assert.ok(flood.errors.some((e) => e.code === 'rate_limited'));
      await waitUntil('the close frame read', async () => deaf.closed !== undefined, 30_000, 200);
      assert.equal(deaf.closed?.code, 4008, `never reads: ${JSON.stringify(deaf.closed)}`);

      const b = good.book('BTCUSDT-PERP')!;
      const engine = await engineFinalBooks(kafka, decoder, env.TOPIC_PREFIX!);
      const snap = engine.get('BTCUSDT-PERP')!;
      assert.equal(good.closed, undefined);
      assert.equal(b.seq, snap.sequence);
      assert.deepEqual(good.levels('BTCUSDT-PERP'), { bids: snap.bids.map((l) => [l.price, l.quantity]), asks: snap.asks.map((l) => [l.price, l.quantity]) });
      assert.deepEqual([b.checksumFailures, b.chainBreaks], [0, 0], `good client: ${good.checksumFailures.join(", ")}`);
      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      assert.match(metrics, /md_ws_dropped_connections_total\{reason="slow_consumer"\} 1/);
      assert.match(metrics, /md_ws_dropped_connections_total\{reason="flood"\} 1/);
      assert.match(metrics, /md_ws_errors_total\{code="bad_json"\} 1/);
      assert.ok((promSample(metrics, 'md_ws_send_buffered_bytes') ?? Infinity) < 65_536, 'the send buffers drained once the client that never read was gone');
    } finally {
      await Promise.all([good, bad, big, flood, deaf].map((c) => c.close()));
      await svc.stop();
    }
  });
});

describe('REST parameters', () => {
  it('answers 400 and 404 as JSON, and serves the OpenAPI document', async () => {
    const { env } = isolatedEnv();
    const svc = await startService(env);
    try {
      await runSim(['--symbols', '1', '--rate', '500', '--duration', '2', '--seed', '73'], env);
      await waitUntil('symbol known', async () => (await fetch(`${svc.baseUrl}/v1/depth?symbol=BTCUSDT-PERP`)).status === 200, 30_000, 200);
      const cases: [string, number, string][] = [
        ['/v1/depth', 400, 'missing_parameter'],
        ['/v1/depth?symbol=NOPE', 404, 'unknown_symbol'],
        ['/v1/depth?symbol=BTCUSDT-PERP&depth=0', 400, 'bad_parameter'],
        ['/v1/depth?symbol=BTCUSDT-PERP&depth=99999', 400, 'bad_parameter'],
        ['/v1/trades?symbol=BTCUSDT-PERP&limit=abc', 400, 'bad_parameter'],
        ['/v1/klines?symbol=BTCUSDT-PERP&interval=2m', 400, 'bad_parameter'],
        ['/v1/klines?symbol=BTCUSDT-PERP&interval=1m&start=-1', 400, 'bad_parameter'],
        ['/v1/ticker/24h?symbol=', 400, 'bad_parameter'],
        ['/v1/mark?symbol=BTCUSDT-PERP', 503, 'pricing_disabled'],
        ['/v1/stream/nope/BTCUSDT-PERP', 400, 'unknown_channel'],
        ['/v1/stream/book/BTCUSDT-PERP?throttle=fast', 400, 'bad_parameter'],
        ['/v1/stream/book/NOPE', 404, 'unknown_symbol'],
        ['/v1/nothing', 404, 'not_found'],
      ];
      for (const [path, status, error] of cases) {
        const r = await fetch(svc.baseUrl + path);
        assert.equal(r.status, status, path);
        assert.equal(((await r.json()) as { error: string }).error, error, path);
      }
      const reversed = await fetch(`${svc.baseUrl}/v1/klines?symbol=BTCUSDT-PERP&interval=1m&start=10&end=5`);
      assert.equal(reversed.status, 200, 'a range ending before it starts is empty');
      assert.deepEqual(((await reversed.json()) as { klines: unknown[] }).klines, []);
      const depth = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=BTCUSDT-PERP&depth=3`)).json()) as { bids: string[][] };
      assert.equal(depth.bids.length, 3);
      assert.match(depth.bids[0]![0]!, /^\d+\.\d$/, 'prices are decimal strings in the tick');
      const doc = (await (await fetch(`${svc.baseUrl}/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      assert.equal(doc.openapi, '3.1.0');
      for (const p of ['/v1/symbols', '/v1/trades', '/v1/depth', '/v1/ticker/24h', '/v1/klines', '/v1/mark', '/v1/index', '/v1/funding']) assert.ok(doc.paths[p], p);
    } finally {
      await svc.stop();
    }
  });
});
