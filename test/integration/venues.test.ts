// Outside venues through ccxt pro, against the venue stand-ins (src/sim/venues/) speaking each
// venue's own REST and WebSocket protocol: books verified by a real client equal the stand-in's
// own book, trades arrive once and in order, faults lead to reconnects and rebuilds, and the
// control API adds, changes and removes streams that survive a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { connect, type BookFeed, type LiquidationView, type MarketClient, type ServerFrame, type TradeView, type VerifiedBook } from '@market-data/client';
import { FakeExchanges } from '../../src/sim/exchanges.js';
import { loadConfig } from '../../src/config.js';
import { AvroDecoder } from '../../src/contract/avro-codec.js';
import { venueTopics } from '../../src/contract/topics.js';
import type { VenueBookRecord, VenueFundingRecord, VenueLiquidationRecord, VenueTradeRecord } from '../../src/contract/venue-wire.js';
import { checksumPayload } from '../../src/domain/checksum-payload.js';
import { crc32 } from '../../src/domain/crc32.js';
import { createRedis } from '../../src/store/redis.js';
import { RedisLatestReader, type LatestBook } from '../../src/store/redis-latest.js';
import { createKafka } from '../../src/ingest/kafka-client.js';
import { createSchemaRegistry } from '../../src/ingest/schema-registry.js';
import { readTopics } from '../support/kafka.js';
import { runSim } from '../support/sim.js';
import type { VenueFault } from '../../src/sim/venues/stand-in.js';
import { createLogger } from '../../src/obs/logger.js';
import { Metrics } from '../../src/obs/metrics.js';
import { parseStreamSpec } from '../../src/venues/stream-spec.js';
import { VenueStreams } from '../../src/venues/venue-streams.js';
import { isolatedEnv, startService, type RunningService } from '../support/service.js';
import { waitUntil } from '../support/stack.js';
import { testStores, type TestStores } from '../support/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A decimal without trailing zeros: bitfinex's "64000" is our "64000.00000000" (its prices have up to 8 decimals). */
const plain = (d: string) => (d.includes('.') ? d.replace(/\.?0+$/, '') : d);
const plainLevels = (levels: string[][]) => levels.map((l) => l.map(plain));
const cfg = loadConfig();
const kafka = createKafka(cfg.kafkaBrokers, 'test-venues', createLogger('error'));
const decoder = new AvroDecoder(createSchemaRegistry(cfg.schemaRegistryUrl));
const TOKEN = 'test-admin-token-0123456789';
const VENUE_STREAMS = 'binance:BTC/USDT@book:50,binance:BTC/USDT@trades,okx:ETH/USDT@book:25,okx:BTC/USDT@ticker,okx:SOL/USDT:USDT@book:25,okx:BTC/USDT:USDT@funding,okx:BTC/USDT:USDT@liquidations,bybit:SOL/USDT@book:20,bybit:BTC/USDT@trades,bybit:ETH/USDT:USDT@book:50,bybit:BTC/USDT:USDT@funding,bybit:BTC/USDT:USDT@liquidations,kraken:BTC/USDT@book:10,kraken:BTC/USDT@trades,kraken:SOL/USDT@ticker,binanceusdm:BTC/USDT:USDT@book:100,binanceusdm:ETH/USDT:USDT@trades,binanceusdm:BTC/USDT:USDT@funding,binanceusdm:BTC/USDT:USDT@liquidations,bitfinex:BTC/USDT@book:25,bitfinex:ETH/USDT@trades,bitfinex:SOL/USDT@ticker,coinbase:BTC/USDT@book:50,coinbase:BTC/USDT@trades,coinbase:ETH/USDT@ticker';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

interface StreamInfo {
  id: string;
  state: string;
  depth?: number;
  messages: number;
  reconnects: number;
  stalls: number;
  checksum_failures: number;
  malformed: number;
  breaker: string;
  last_error?: string;
}

describe('outside venues through ccxt pro', () => {
  let fake: FakeExchanges;
  let port: number;
  let stores: TestStores;
  let env: Record<string, string>;
  let svc: RunningService;
  let client: MarketClient;

  const start = () =>
    startService({
      ...env,
      ...stores.env,
      PERSIST_ENABLED: 'false',
      VENUE_BASE_URL: `http://127.0.0.1:${port}`,
      ADMIN_TOKEN: TOKEN,
      VENUE_BREAKER_OPEN_MS: '2000',
      VENUE_BACKOFF_MAX_MS: '1000',
      VENUE_STREAMS: VENUE_STREAMS,
    });
  const stream = async (id: string): Promise<StreamInfo> => (await (await fetch(`${svc.baseUrl}/v1/streams/${id}`)).json()) as StreamInfo;
  const fault = async (venue: string, kind: VenueFault) => assert.equal((await fetch(`http://127.0.0.1:${port}/_venues/${venue}/fault?kind=${kind}`, { method: 'POST' })).status, 200);
  const standInBook = async (venue: string, symbol: string, depth: number) =>
    (await (await fetch(`http://127.0.0.1:${port}/_venues/${venue}/book?symbol=${encodeURIComponent(symbol)}&depth=${depth}`)).json()) as { bids: string[][]; asks: string[][] };

  before(async () => {
    fake = new FakeExchanges(3);
    port = await fake.start();
    const iso = isolatedEnv({ PRICING_ENABLED: 'false' });
    env = iso.env;
    stores = await testStores(iso.prefix);
    svc = await start();
    client = connect(`ws://127.0.0.1:${svc.httpPort}/ws`, { WebSocket, backoff: { initialMs: 100, maxMs: 1000 } });
    let streams: StreamInfo[] = [];
    await waitUntil('the seeded venue streams connected', async () => {
      streams = ((await (await fetch(`${svc.baseUrl}/v1/streams`)).json()) as { streams: StreamInfo[] }).streams;
      return streams.length === 25 && streams.every((s) => s.state === 'connected');
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(streams.filter((s) => s.state !== 'connected'))}`);
    });
  });

  after(async () => {
    client?.close();
    await svc?.stop();
    await fake?.stop();
    await stores?.drop();
  });

  for (const [venue, symbol, depth] of [['binance', 'BTC/USDT', 50], ['okx', 'ETH/USDT', 25], ['okx', 'SOL/USDT:USDT', 25], ['bybit', 'SOL/USDT', 20], ['bybit', 'ETH/USDT:USDT', 50], ['kraken', 'BTC/USDT', 10], ['binanceusdm', 'BTC/USDT:USDT', 100], ['bitfinex', 'BTC/USDT', 25], ['coinbase', 'BTC/USDT', 50]] as const) {
    it(`${venue}:${symbol}: a client's verified book equals the stand-in's own book at checkpoints, every checksum matching`, async () => {
      const feed: BookFeed = client.book(`${venue}:${symbol}`);
      let last: VerifiedBook | undefined;
      feed.on((b) => (last = b));
      await waitUntil('a verified book', async () => last !== undefined && last.seq > 0, 15_000);
      for (let checkpoint = 0; checkpoint < 3; checkpoint++) {
        await sleep(1500); // the market moves
        await fault(venue, 'pause');
        try {
          const want = await standInBook(venue, symbol, depth);
          await waitUntil(`the book at checkpoint ${checkpoint}`, async () => {
            const { bids, asks } = last!.levels(depth);
            return JSON.stringify([plainLevels(bids), plainLevels(asks)]) === JSON.stringify([plainLevels(want.bids), plainLevels(want.asks)]);
          }, 10_000, 100).catch(async (err: Error) => {
            // what differs, and what the stream went through: the evidence when this fails
            const { bids, asks } = last!.levels(depth);
            const at = (got: string[][], exp: string[][]) => exp.findIndex((l, i) => JSON.stringify(plainLevels([l])) !== JSON.stringify(plainLevels(got[i] ? [got[i]!] : [])));
            const i = at(bids, want.bids);
            const j = at(asks, want.asks);
            throw new Error(`${err.message}: bids ${bids.length}/${want.bids.length} first differing at ${i} (${JSON.stringify(bids[i])} vs ${JSON.stringify(want.bids[i])}), asks ${asks.length}/${want.asks.length} at ${j} (${JSON.stringify(asks[j])} vs ${JSON.stringify(want.asks[j])}); client seq ${last!.seq}; stream ${JSON.stringify(await stream(`${venue}.${symbol.replace(/[/:]/g, '-')}.book`))}`);
          });
          const rest = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent(`${venue}:${symbol}`)}&depth=${depth}`)).json()) as { bids: string[][]; asks: string[][]; status: string };
          assert.deepEqual([plainLevels(rest.bids), plainLevels(rest.asks)], [plainLevels(want.bids), plainLevels(want.asks)]);
          assert.equal(rest.status, 'in_sync');
        } finally {
          await fault(venue, 'none');
        }
      }
      assert.equal(feed.stats.checksumMismatches, 0, 'no checksum mismatch');
      assert.equal(feed.stats.chainBreaks, 0, 'no chain break');
      assert.ok(feed.stats.messages > 20, `deltas flowed (${feed.stats.messages})`);
      feed.close();
    });
  }

  it('trades arrive once each, in order, with exact decimals (binance, bybit, kraken, coinbase)', async () => {
    const seen = new Map<string, { ids: number[]; bad: string[] }>();
    const feeds = ['binance:BTC/USDT', 'bybit:BTC/USDT', 'kraken:BTC/USDT', 'coinbase:BTC/USDT'].map((symbol) => {
      const w = { ids: [] as number[], bad: [] as string[] };
      seen.set(symbol, w);
      const feed = client.trades(symbol);
      feed.on((t) => {
        for (const x of Array.isArray(t) ? t : [t]) {
          w.ids.push(Number(x.id));
          if (!/^\d+\.\d{2}$/.test(x.price) || !/^\d+\.\d{5}$/.test(x.qty)) w.bad.push(`${x.price} ${x.qty}`);
        }
      });
      return feed;
    });
    await sleep(6000);
    for (const f of feeds) f.close();
    for (const [symbol, { ids, bad }] of seen) {
      assert.ok(ids.length >= 10, `${symbol}: trades seen (${ids.length})`);
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1, `${symbol}: trade ${ids[i - 1]} followed by ${ids[i]}`);
      assert.deepEqual(bad, [], symbol);
    }
  });

  it('bitfinex (prices in 5 significant digits): trades and a ticker in exact 8-decimal strings, none with more digits than the venue quotes', async () => {
    const ids: number[] = [];
    const bad: string[] = [];
    const significant = (d: string) => d.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
    const feed = client.trades('bitfinex:ETH/USDT');
    feed.on((t) => {
      for (const x of Array.isArray(t) ? t : [t]) {
        ids.push(Number(x.id));
        if (!/^\d+\.\d{8}$/.test(x.price) || significant(x.price) > 5 || !/^\d+\.\d{8}$/.test(x.qty)) bad.push(`${x.price} ${x.qty}`);
      }
    });
    await sleep(5000);
    feed.close();
    assert.ok(ids.length >= 5, `trades seen (${ids.length})`);
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1, `trade ${ids[i - 1]} followed by ${ids[i]}`);
    assert.deepEqual(bad, []);
    const t = (await (await fetch(`${svc.baseUrl}/v1/ticker/24h?symbol=${encodeURIComponent('bitfinex:SOL/USDT')}`)).json()) as { last: string; best_bid: string; best_ask: string };
    for (const price of [t.last, t.best_bid, t.best_ask]) assert.ok(/^\d+\.\d{8}$/.test(price) && significant(price) <= 5, price);
    assert.ok(Number(t.best_bid) < Number(t.best_ask), 'bid below ask');
  });

  it('a ticker of kraken (JSON numbers on the wire) is served in exact decimals on the instrument tick', async () => {
    type Ticker = { symbol: string; last: string; best_bid: string; best_ask: string; volume: string; quote_volume: string };
    let t: Ticker | undefined;
    await waitUntil('a kraken ticker', async () => {
      const r = await fetch(`${svc.baseUrl}/v1/ticker/24h?symbol=${encodeURIComponent('kraken:SOL/USDT')}`);
      if (r.status !== 200) return false;
      t = (await r.json()) as Ticker;
      return true;
    }, 15_000, 200);
    assert.equal(t!.symbol, 'kraken:SOL/USDT');
    for (const price of [t!.last, t!.best_bid, t!.best_ask]) assert.match(price, /^\d+\.\d{3}$/, 'SOL/USDT has a tick of 0.001');
    assert.ok(Number(t!.best_bid) < Number(t!.best_ask), 'bid below ask');
    assert.match(t!.volume, /^\d+(\.\d+)?$/);
    // Kraken sends volume and vwap; the quote volume is their exact product (never ccxt's float of it)
    const [vi, vf = ''] = t!.volume.split('.');
    const [qi, qf = ''] = t!.quote_volume.split('.');
    const scale = vf.length + 3;
    assert.ok(qf.length <= scale, `quote volume ${t!.quote_volume} has more decimals than volume × a vwap on the tick`);
    const v = BigInt(vi! + vf);
    if (v > 0n) assert.equal(BigInt(qi! + qf.padEnd(scale, '0')) % v, 0n, `quote volume ${t!.quote_volume} is volume ${t!.volume} × a vwap on the tick`);
  });

  it('a ticker of coinbase: what the venue sends, exact; what ccxt would derive from floats (open, change) is null', async () => {
    type Ticker = { last: string; best_bid: string; open: string | null; price_change: string | null; price_change_percent: string | null };
    let t: Ticker | undefined;
    await waitUntil('a coinbase ticker', async () => {
      const r = await fetch(`${svc.baseUrl}/v1/ticker/24h?symbol=${encodeURIComponent('coinbase:ETH/USDT')}`);
      if (r.status === 200) t = (await r.json()) as Ticker;
      return t !== undefined;
    }, 15_000, 200);
    assert.match(t!.last, /^\d+\.\d{2}$/);
    assert.match(t!.best_bid, /^\d+\.\d{2}$/);
    assert.deepEqual([t!.open, t!.price_change], [null, null]);
    assert.match(t!.price_change_percent!, /^-?\d+(\.\d+)?$/);
  });

  it('SSE serves a venue book (snapshot, then deltas chained by prev_seq) and venue trades', async () => {
    const events = async (path: string, until: (data: Record<string, unknown>[]) => boolean) => {
      const res = await fetch(`${svc.baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const reader = res.body!.getReader();
      const got: Record<string, unknown>[] = [];
      let text = '';
      const deadline = Date.now() + 15_000;
      while (!until(got) && Date.now() < deadline) {
        text += Buffer.from((await reader.read()).value!).toString();
        const lines = text.split('\n');
        text = lines.pop()!;
        for (const l of lines) if (l.startsWith('data: ')) got.push(JSON.parse(l.slice(6)) as Record<string, unknown>);
      }
      await reader.cancel();
      return got;
    };
    const book = await events(`/v1/stream/book/${encodeURIComponent('bybit:SOL/USDT')}`, (d) => d.filter((x) => x.action === 'delta').length >= 3);
    assert.equal(book[0]!.action, 'snapshot');
    assert.equal(book[0]!.symbol, 'bybit:SOL/USDT');
    const deltas = book.filter((x) => x.action === 'delta');
    assert.ok(deltas.length >= 3, `deltas over SSE (${deltas.length})`);
    let seq = book[0]!.seq as number;
    for (const d of deltas) {
      assert.equal(d.prev_seq, seq, 'each delta follows the one before');
      seq = d.seq as number;
    }
    const trades = await events(`/v1/stream/trades/${encodeURIComponent('kraken:BTC/USDT')}`, (d) => d.length >= 2);
    assert.ok(trades.length >= 2);
    assert.ok(trades.every((t) => JSON.stringify(t).includes('kraken:BTC/USDT')), 'venue trades carry the venue symbol');
  });

  const perpetuals = [
    // venue, symbol, how it sends mark prices, its funding rate string, the average fill of a liquidation (bybit sends none)
    { venue: 'binanceusdm (markPrice, forceOrder)', symbol: 'binanceusdm:BTC/USDT:USDT', mark: /^\d+\.\d{8}$/, rate: '0.00010000', avg: /^\d+\.\d{2}5$/ },
    { venue: 'bybit linear (tickers deltas, allLiquidation)', symbol: 'bybit:BTC/USDT:USDT', mark: /^\d+\.\d{2}$/, rate: '0.0001', avg: null },
    { venue: 'okx swap (funding-rate, mark-price and index-tickers combined; liquidation-orders)', symbol: 'okx:BTC/USDT:USDT', mark: /^\d+\.\d{2}$/, rate: '0.0001', avg: null },
  ] as const;
  for (const perp of perpetuals) it(`a venue perpetual has mark, index and funding: ${perp.venue}, on the WebSocket and REST, in the venue decimals`, async () => {
    const symbol = perp.symbol;
    const q = encodeURIComponent(symbol);
    type Mark = { symbol: string; index_symbol: string; mark_price: string; index_price: string };
    type Funding = { symbol: string; funding_rate: string; interest_rate: string; premium_rate_avg: string | null; next_funding_time: number; countdown_seconds: number };
    let mark: Mark | undefined;
    await waitUntil('a venue mark price', async () => {
      const r = await fetch(`${svc.baseUrl}/v1/mark?symbol=${q}`);
      if (r.status === 200) mark = (await r.json()) as Mark;
      return mark !== undefined;
    }, 15_000, 200);
    assert.equal(mark!.symbol, symbol);
    assert.match(mark!.mark_price, perp.mark, 'the venue decimals, as sent');
    assert.equal(mark!.index_symbol, `${symbol}-INDEX`);
    const funding = (await (await fetch(`${svc.baseUrl}/v1/funding?symbol=${q}`)).json()) as Funding;
    assert.deepEqual([funding.funding_rate, funding.interest_rate, funding.premium_rate_avg], [perp.rate, '0.0001', null]);
    assert.equal(funding.next_funding_time % 28_800_000, 0, 'funding every 8 hours');
    assert.ok(funding.countdown_seconds > 0 && funding.countdown_seconds <= 8 * 3600);
    const index = (await (await fetch(`${svc.baseUrl}/v1/index?symbol=${q}`)).json()) as { index_symbol: string; price: string };
    assert.deepEqual([index.index_symbol, index.price], [mark!.index_symbol, mark!.index_price]);
    const spot = await fetch(`${svc.baseUrl}/v1/mark?symbol=${encodeURIComponent('binance:BTC/USDT')}`);
    assert.equal(spot.status, 404, 'a spot venue symbol has no mark');

    const frames: ServerFrame[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${svc.httpPort}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ServerFrame));
    for (const channel of ['mark', 'funding']) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol }));
    await waitUntil('mark and funding frames', async () => frames.filter((f) => f.type === 'mark').length >= 2 && frames.some((f) => f.type === 'funding'), 10_000, 100);
    ws.close();
  });

  for (const perp of perpetuals) it(`a venue perpetual has liquidations: ${perp.venue}: numbered events on the WebSocket, the same on REST, exact decimals; a spot symbol has none`, async () => {
    const symbol = perp.symbol;
    const got: LiquidationView[] = [];
    const feed = client.liquidations(symbol);
    feed.on((l) => got.push(...(Array.isArray(l) ? l : [l])));
    await waitUntil('three liquidations', async () => got.length >= 3, 20_000, 100);
    feed.close();
    for (const l of got) {
      assert.ok(l.side === 'buy' || l.side === 'sell');
      assert.match(l.price, /^\d+\.\d{2}$/, 'the limit price on the 0.01 tick');
      if (perp.avg) assert.match(l.avg_price ?? '', perp.avg, 'the average fill as the venue wrote it');
      else assert.equal(l.avg_price, null, 'no average fill where the venue sends none');
      assert.match(l.qty, /^\d+\.\d{5}$/, 'the quantity on the lot');
    }
    for (let i = 1; i < got.length; i++) assert.equal(got[i]!.seq, got[i - 1]!.seq + 1, 'numbered without a gap');
    const rest = (await (await fetch(`${svc.baseUrl}/v1/liquidations?symbol=${encodeURIComponent(symbol)}&limit=1000`)).json()) as { symbol: string; liquidations: LiquidationView[] };
    assert.equal(rest.symbol, symbol);
    const bySeq = new Map(rest.liquidations.map((l) => [l.seq, l]));
    for (const l of got) assert.deepEqual(bySeq.get(l.seq), l, `liquidation ${l.seq} on REST as on the WebSocket`);

    const spot = await fetch(`${svc.baseUrl}/v1/liquidations?symbol=${encodeURIComponent('binance:BTC/USDT')}`);
    assert.equal(spot.status, 404);
    assert.equal(((await spot.json()) as { error: string }).error, 'not_a_perpetual');
    const frames: ServerFrame[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${svc.httpPort}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ServerFrame));
    ws.send(JSON.stringify({ op: 'subscribe', channel: 'liquidations', symbol: 'binance:BTC/USDT', id: 7 }));
    await waitUntil('an error for a spot symbol', async () => frames.some((f) => f.type === 'error'), 5_000, 50);
    ws.close();
  });

  it('removing a bybit perpetual ticker stream leaves its funding stream (read from the same tickers topic) flowing', async () => {
    const created = await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body: JSON.stringify({ venue: 'bybit', symbol: 'BTC/USDT:USDT', kind: 'ticker' }), headers: auth });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    await waitUntil('the ticker stream connected', async () => (await stream(id)).state === 'connected' && (await stream(id)).messages > 0, 15_000, 100);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'DELETE', headers: auth })).status, 204);
    const before = await stream('bybit.BTC-USDT-USDT.funding');
    await sleep(6000); // the funding stream's watchdog would fire after 4 s of silence
    const after = await stream('bybit.BTC-USDT-USDT.funding');
    assert.deepEqual([after.state, after.stalls, after.reconnects], ['connected', before.stalls, before.reconnects], JSON.stringify(after));
    assert.ok(after.messages > before.messages + 10, `funding updates went on (${before.messages} → ${after.messages})`);
  });

  it('a funding or liquidations stream of a spot market is refused, saying why; other streams never notice', async () => {
    const created = await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body: JSON.stringify({ venue: 'bybit', symbol: 'SOL/USDT', kind: 'funding' }), headers: auth });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    try {
      let info: StreamInfo | undefined;
      await waitUntil('the refusal', async () => /spot market/.test((info = await stream(id)).last_error ?? ''), 10_000, 100);
      assert.notEqual(info!.state, 'connected');
      assert.equal(info!.messages, 0);
      await sleep(2000); // retried meanwhile
      assert.equal((await stream('bybit.SOL-USDT.book')).state, 'connected', 'the book of that market goes on');
      assert.equal((await stream('bybit.SOL-USDT.book')).breaker, 'closed', "the stream's own mistake is not held against the venue");
    } finally {
      assert.equal((await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'DELETE', headers: auth })).status, 204);
    }
  });

  it('a stalled stream reconnects within twice its interval and serves again', async () => {
    const before = await stream('binance.BTC-USDT.book');
    await fault('binance', 'stall');
    const stalledAt = Date.now();
    await waitUntil('the watchdog fired', async () => (await stream('binance.BTC-USDT.book')).stalls > before.stalls, 10_000, 100);
    const firedAfter = Date.now() - stalledAt;
    await fault('binance', 'none');
    // the book interval of binance is 1 s: the watchdog fires at 2 s (plus this poll's 100 ms)
    assert.ok(firedAfter < 3000, `watchdog fired after ${firedAfter} ms`);
    await waitUntil('connected again', async () => (await stream('binance.BTC-USDT.book')).state === 'connected', 10_000);
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    assert.match(metrics, /md_venue_stalls_total\{venue="binance",kind="book"\} [1-9]/);
  });

  const bookOf = {
    binance: ['binance:BTC/USDT', 'binance.BTC-USDT.book', 50],
    okx: ['okx:ETH/USDT', 'okx.ETH-USDT.book', 25],
    bybit: ['bybit:SOL/USDT', 'bybit.SOL-USDT.book', 20],
    kraken: ['kraken:BTC/USDT', 'kraken.BTC-USDT.book', 10],
    binanceusdm: ['binanceusdm:BTC/USDT:USDT', 'binanceusdm.BTC-USDT-USDT.book', 100],
    bitfinex: ['bitfinex:BTC/USDT', 'bitfinex.BTC-USDT.book', 25],
    coinbase: ['coinbase:BTC/USDT', 'coinbase.BTC-USDT.book', 50],
  } as const;
  for (const [venue, f] of [['binance', 'gap'], ['okx', 'gap'], ['bybit', 'gap'], ['binance', 'reorder'], ['okx', 'bad_checksum'], ['kraken', 'bad_checksum'], ['binanceusdm', 'gap'], ['bitfinex', 'bad_checksum'], ['bitfinex', 'gap'], ['coinbase', 'gap'], ['coinbase', 'duplicate']] as const) {
    it(`${venue}: a ${f} rebuilds the book: clients see resyncing, then a snapshot, never an unverified state`, async () => {
      const [symbol, , depth] = bookOf[venue];
      const frames: ServerFrame[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${svc.httpPort}/ws`);
      await new Promise((r) => ws.once('open', r));
      ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ServerFrame));
      ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol }));
      await waitUntil('the first snapshot', async () => frames.some((x) => x.type === 'book' && x.action === 'snapshot'), 10_000, 100);
      // the fault falls on whichever of the venue's books sends first (okx has a spot and a swap book)
      const ofVenue = async () => ((await (await fetch(`${svc.baseUrl}/v1/streams`)).json()) as { streams: (StreamInfo & { venue: string; kind: string; errors: number })[] }).streams.filter((x) => x.venue === venue);
      const failures = async () => (await ofVenue()).filter((x) => x.kind === 'book').reduce((a, x) => a + x.checksum_failures, 0);
      const errors = async () => (await ofVenue()).reduce((a, x) => a + x.errors, 0);
      const before = await failures();
      const errorsBefore = await errors();
      await fault(venue, f);
      const mark = frames.length;
      await waitUntil('resyncing then a snapshot', async () => {
        const after = frames.slice(mark).filter((x) => x.type === 'book');
        const r = after.findIndex((x) => x.type === 'book' && x.action === 'status' && x.status === 'resyncing');
        return r >= 0 && after.slice(r).some((x) => x.type === 'book' && x.action === 'snapshot' && x.status === 'in_sync');
      }, 15_000, 100);
      ws.close();
      assert.ok((await failures()) > before, 'the failed check is counted');
      // the sockets the rebuild dropped are this service's doing: no stream of the venue counts them as the venue failing
      assert.equal(await errors(), errorsBefore, 'no error counted for the redial');
      // the rebuilt book is the venue's, not a patched copy of the broken one
      await fault(venue, 'pause');
      try {
        const want = await standInBook(venue, symbol.slice(venue.length + 1), depth);
        let rest: { bids: string[][]; asks: string[][]; status: string } | undefined;
        await waitUntil('the rebuilt book equals the venue\'s', async () => {
          rest = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent(symbol)}&depth=${depth}`)).json()) as { bids: string[][]; asks: string[][]; status: string };
          return rest.status === 'in_sync' && JSON.stringify([plainLevels(rest.bids), plainLevels(rest.asks)]) === JSON.stringify([plainLevels(want.bids), plainLevels(want.asks)]);
        }, 10_000, 100).catch(async (err: Error) => {
          // the evidence when this fails: what differs, what the stream went through, what the service logged
          const diff = (got: string[][], exp: string[][]) => exp.findIndex((l, i) => JSON.stringify(plainLevels([l])) !== JSON.stringify(plainLevels(got[i] ? [got[i]!] : [])));
          const i = diff(rest!.bids, want.bids);
          const j = diff(rest!.asks, want.asks);
          throw new Error(`${err.message}: status ${rest!.status}; bids ${rest!.bids.length}/${want.bids.length} first differing at ${i} (${JSON.stringify(rest!.bids[i])} vs ${JSON.stringify(want.bids[i])}), asks ${rest!.asks.length}/${want.asks.length} at ${j} (${JSON.stringify(rest!.asks[j])} vs ${JSON.stringify(want.asks[j])}); streams ${JSON.stringify((await (await fetch(`${svc.baseUrl}/v1/streams`)).json()))}; log of ${venue}: ${svc.output().split('\n').filter((l) => l.includes(venue)).slice(-40).join('\n')}`);
        });
      } finally {
        await fault(venue, 'none');
      }
    });
  }

  it('a refusing venue opens its circuit breaker (health degraded for it, not down), then recovers', async () => {
    await fault('okx', 'refuse');
    try {
      await waitUntil('the breaker open', async () => (await stream('okx.BTC-USDT.ticker')).breaker === 'open', 30_000, 200);
      const health = await fetch(`${svc.baseUrl}/health`);
      const report = (await health.json()) as { status: string; venues: Record<string, string> };
      assert.equal(report.venues.okx, 'circuit_open');
      assert.equal(report.venues.binance, 'connected');
      assert.equal(health.status, 200, 'a venue in trouble never takes the service down');
      const book = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent('okx:ETH/USDT')}`)).json()) as { status: string };
      assert.notEqual(book.status, 'in_sync', 'an unreachable venue book is not served as live');
    } finally {
      await fault('okx', 'none');
    }
    await waitUntil('okx connected again', async () => {
      const r = (await (await fetch(`${svc.baseUrl}/health`)).json()) as { venues: Record<string, string> };
      return r.venues.okx === 'connected';
    }, 30_000, 200).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await (await fetch(`${svc.baseUrl}/v1/streams`)).text()}`);
    });
  });

  it('malformed frames are counted and dropped; the stream goes on', async () => {
    const before = await stream('binance.BTC-USDT.trades');
    for (let i = 0; i < 5; i++) {
      await fault('binance', 'garbage');
      await sleep(300);
    }
    await waitUntil('binance streams connected', async () => (await stream('binance.BTC-USDT.book')).state === 'connected' && (await stream('binance.BTC-USDT.trades')).state === 'connected', 15_000);
    const after = await stream('binance.BTC-USDT.trades');
    assert.ok(after.messages > before.messages, 'trades go on');
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    const dropped = Number(/md_venue_malformed_total\{venue="binance",kind="frame"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    assert.ok(dropped >= 5, `malformed frames counted (${dropped})`);
    assert.equal(after.reconnects, before.reconnects, 'a malformed frame costs no reconnect');
    assert.equal(svc.proc.exitCode, null);
  });

  it('a venue that sends garbage forever trips its breaker, and recovers when it stops', async () => {
    await fault('bybit', 'garbage_forever');
    try {
      await waitUntil('the bybit breaker open', async () => (await stream('bybit.SOL-USDT.book')).breaker === 'open', 45_000, 200);
      assert.equal(((await (await fetch(`${svc.baseUrl}/health`)).json()) as { venues: Record<string, string> }).venues.bybit, 'circuit_open');
      assert.equal(((await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent('bybit:SOL/USDT')}`)).json()) as { status: string }).status === 'in_sync', false, 'not served as live');
      assert.equal((await stream('binance.BTC-USDT.book')).state, 'connected', 'other venues never notice');
    } finally {
      await fault('bybit', 'none');
    }
    await waitUntil('bybit connected again', async () => (await stream('bybit.SOL-USDT.book')).state === 'connected', 30_000, 200);
  });

  it('publish and persist: md.venue.* carries a verifiable book and every trade once; ClickHouse keeps the trades', async () => {
    for (const [id, knobs] of [['binance.BTC-USDT.book', { publish: true }], ['binance.BTC-USDT.trades', { publish: true, persist: true }]] as const) {
      assert.equal((await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify(knobs), headers: auth })).status, 200);
    }
    await sleep(4000);
    await fault('binance', 'pause');
    let want: { bids: string[][]; asks: string[][] };
    try {
      want = await standInBook('binance', 'BTC/USDT', 50);
      await sleep(2000); // the last updates published and stored
      for (const [id, knobs] of [['binance.BTC-USDT.book', { publish: false }], ['binance.BTC-USDT.trades', { publish: false, persist: false }]] as const) {
        await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify(knobs), headers: auth });
      }
    } finally {
      await fault('binance', 'none');
    }
    const topics = venueTopics(env.TOPIC_PREFIX);
    const msgs = await readTopics(kafka, [topics.book, topics.trades], 30_000, 3000);
    const book = await Promise.all(msgs.filter((m) => m.topic === topics.book).map((m) => decoder.decode<VenueBookRecord>(m.value, 'exchange.md.venue.v1.VenueBook')));
    assert.ok(book.length > 10, `book records (${book.length})`);
    assert.equal(book[0]!.type, 'snapshot', 'a snapshot first');
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    let seq = -1;
    const sorted = (m: Map<string, string>, desc: boolean) => [...m].sort((a, b) => (desc ? -1 : 1) * (Number(a[0]) - Number(b[0]))).map(([p, q]) => [p, q]);
    for (const r of book) {
      if (r.type === 'snapshot') {
        bids.clear();
        asks.clear();
      } else assert.equal(r.prev_sequence, seq, `chained at ${r.sequence}`);
      for (const l of r.bids) (/^0(\.0*)?$/.test(l.quantity) ? bids.delete(l.price) : bids.set(l.price, l.quantity));
      for (const l of r.asks) (/^0(\.0*)?$/.test(l.quantity) ? asks.delete(l.price) : asks.set(l.price, l.quantity));
      seq = r.sequence;
      assert.equal(crc32(checksumPayload(sorted(bids, true) as [string, string][], sorted(asks, false) as [string, string][], 25)), r.checksum, `checksum at ${r.sequence}`);
    }
    assert.deepEqual([sorted(bids, true), sorted(asks, false)], [want!.bids, want!.asks], 'the book rebuilt from md.venue.book.v1 is the venue book');

    const trades = await Promise.all(msgs.filter((m) => m.topic === topics.trades).map((m) => decoder.decode<VenueTradeRecord>(m.value, 'exchange.md.venue.v1.VenueTrade')));
    assert.ok(trades.length > 3, `trades published (${trades.length})`);
    const ids = trades.map((t) => Number(t.trade_id));
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1, 'each trade once, in order');
    let stored: { trade_id: string; price: string }[] = [];
    await waitUntil('trades stored', async () => {
      const rs = await stores.ch.query({ query: `SELECT trade_id, toString(price) AS price FROM ${stores.database}.venue_trades FINAL WHERE venue_symbol = 'binance:BTC/USDT' ORDER BY toUInt64(trade_id)`, format: 'JSONEachRow' });
      stored = await rs.json();
      return stored.length >= trades.length;
    }, 15_000);
    assert.deepEqual(stored.map((t) => t.trade_id), trades.map((t) => t.trade_id));
    assert.deepEqual(stored.map((t) => Number(t.price)), trades.map((t) => Number(t.price)));
  });

  it('publish: md.venue.funding.v1 and md.venue.liquidations.v1 carry what clients were served, in the venue decimals', async () => {
    const symbol = 'binanceusdm:BTC/USDT:USDT';
    const served: LiquidationView[] = [];
    const feed = client.liquidations(symbol);
    feed.on((l) => served.push(...(Array.isArray(l) ? l : [l])));
    for (const kind of ['funding', 'liquidations']) {
      assert.equal((await fetch(`${svc.baseUrl}/v1/streams/binanceusdm.BTC-USDT-USDT.${kind}`, { method: 'PATCH', body: JSON.stringify({ publish: true }), headers: auth })).status, 200);
    }
    await waitUntil('liquidations served while published', async () => served.length >= 3, 20_000, 100);
    for (const kind of ['funding', 'liquidations']) {
      await fetch(`${svc.baseUrl}/v1/streams/binanceusdm.BTC-USDT-USDT.${kind}`, { method: 'PATCH', body: JSON.stringify({ publish: false }), headers: auth });
    }
    feed.close();
    const topics = venueTopics(env.TOPIC_PREFIX);
    const msgs = await readTopics(kafka, [topics.funding, topics.liquidations], 30_000, 3000);
    const funding = await Promise.all(msgs.filter((m) => m.topic === topics.funding).map((m) => decoder.decode<VenueFundingRecord>(m.value, 'exchange.md.venue.v1.VenueFunding')));
    assert.ok(funding.length >= 2, `funding records (${funding.length})`);
    for (const f of funding) {
      assert.equal(f.venue_symbol, symbol);
      assert.match(f.mark_price, /^\d+\.\d{8}$/, 'the mark in the venue decimals, as sent');
      assert.match(f.index_price, /^\d+\.\d{8}$/);
      assert.equal(f.funding_rate, '0.00010000');
      assert.equal(f.next_funding_time % 28_800_000, 0, 'funding every 8 hours');
      assert.ok(f.receive_time >= f.exchange_time - 1000, 'exchange and receive time both kept');
    }
    const published = await Promise.all(msgs.filter((m) => m.topic === topics.liquidations).map((m) => decoder.decode<VenueLiquidationRecord>(m.value, 'exchange.md.venue.v1.VenueLiquidation')));
    const bySeq = new Map(published.map((l) => [l.sequence, l]));
    const overlap = served.filter((l) => bySeq.has(l.seq));
    assert.ok(overlap.length >= 1, `liquidations served while published are on the topic (${published.length} published, ${served.length} served)`);
    for (const l of overlap) {
      const r = bySeq.get(l.seq)!;
      assert.deepEqual([r.venue_symbol, r.side, r.price, r.avg_price, r.quantity, r.exchange_time], [symbol, l.side, l.price, l.avg_price, l.qty, l.ts], `liquidation ${l.seq} as served`);
    }
    for (let i = 1; i < published.length; i++) assert.ok(published[i]!.sequence > published[i - 1]!.sequence, 'in order, each once');
  });

  it('persist: the latest book, ticker, mark and funding of streams that persist are in Redis, and of no other', async () => {
    const redis = createRedis(cfg.redisUrl, createLogger('error'));
    const reader = new RedisLatestReader(redis, env.TOPIC_PREFIX!);
    const persisted = ['binance.BTC-USDT.book', 'okx.BTC-USDT.ticker', 'binanceusdm.BTC-USDT-USDT.funding'];
    try {
      for (const id of persisted) assert.equal((await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify({ persist: true }), headers: auth })).status, 200);
      let book: LatestBook | undefined;
      await waitUntil('the binance book in Redis', async () => (book = await reader.book('binance:BTC/USDT'))?.status === 'in_sync', 10_000, 100);
      assert.ok(book!.bids.length > 0 && book!.asks.length > 0);
      assert.equal(crc32(checksumPayload(book!.bids, book!.asks, 25)), book!.checksum, 'the stored book matches its checksum');
      assert.ok(Number(book!.bids[0]![0]) < Number(book!.asks[0]![0]), 'not crossed');
      await waitUntil('the okx ticker in Redis', async () => typeof (await reader.ticker('okx:BTC/USDT'))?.last === 'string', 10_000, 100);
      let funding: Record<string, unknown> | undefined;
      await waitUntil('the venue funding in Redis', async () => (funding = await reader.funding('binanceusdm:BTC/USDT:USDT')) !== undefined, 10_000, 100);
      assert.equal(funding!.funding_rate, '0.00010000');
      assert.match(String((await reader.mark('binanceusdm:BTC/USDT:USDT'))?.mark_price), /^\d+\.\d{8}$/);
      assert.equal(await reader.book('okx:ETH/USDT'), undefined, 'a book that does not persist is not stored');
      assert.equal(await reader.ticker('kraken:SOL/USDT'), undefined, 'nor a ticker');
    } finally {
      for (const id of persisted) await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify({ persist: false }), headers: auth });
      await redis.quit().catch(() => undefined);
    }
  });

  it('an edge follows md.venue.*: the same verified book (seq, checksum), trades, ticker, funding and liquidations as the process that follows the venue', async () => {
    const published = ['binance.BTC-USDT.book', 'binance.BTC-USDT.trades', 'okx.BTC-USDT.ticker', 'binanceusdm.BTC-USDT-USDT.funding', 'binanceusdm.BTC-USDT-USDT.liquidations'];
    for (const id of published) assert.equal((await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify({ publish: true }), headers: auth })).status, 200);
    const edge = await startService({ ...env, ...stores.env, ROLE: 'edge', LOG_LEVEL: 'info' });
    const edgeClient = connect(`ws://127.0.0.1:${edge.httpPort}/ws`, { WebSocket, backoff: { initialMs: 100, maxMs: 1000 } });
    const get = async <T,>(base: string, path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;
    try {
      // an edge knows a venue symbol once it has read its instrument from md.venue.instruments.v1
      await waitUntil('the venue book on the edge', async () => (await fetch(`${edge.baseUrl}/v1/depth?symbol=${encodeURIComponent('binance:BTC/USDT')}`)).status === 200, 30_000, 200).catch((err: Error) =>
        assert.fail(`${err.message}\n${edge.output().slice(-3000)}`),
      );
      const feed = edgeClient.book('binance:BTC/USDT');
      let last: VerifiedBook | undefined;
      feed.on((b) => (last = b));
      await waitUntil('a verified venue book on the edge', async () => last !== undefined && last.seq > 0, 30_000, 100).catch((err: Error) => assert.fail(`${err.message}\n${edge.output().slice(-3000)}`));
      type Depth = { seq: number; status: string; bids: string[][]; asks: string[][]; checksum: number };
      for (let checkpoint = 0; checkpoint < 2; checkpoint++) {
        await sleep(1500);
        await fault('binance', 'pause');
        try {
          let a: Depth | undefined;
          let e: Depth | undefined;
          await waitUntil(`the same book on the edge at checkpoint ${checkpoint}`, async () => {
            a = await get<Depth>(svc.baseUrl, `/v1/depth?symbol=${encodeURIComponent('binance:BTC/USDT')}&depth=50`);
            e = await get<Depth>(edge.baseUrl, `/v1/depth?symbol=${encodeURIComponent('binance:BTC/USDT')}&depth=50`);
            return a.seq === e.seq && last?.seq === a.seq;
          }, 10_000, 100).catch((err: Error) => assert.fail(`${err.message}: all at ${a?.seq}, edge at ${e?.seq}, edge client at ${last?.seq}`));
          const served = (d: Depth) => ({ seq: d.seq, status: d.status, bids: d.bids, asks: d.asks, checksum: d.checksum });
          assert.deepEqual(served(e!), served(a!), 'the edge serves the book, seq and checksum of the process that follows the venue');
          assert.equal(e!.status, 'in_sync');
          assert.deepEqual(last!.levels(50).bids, a!.bids, "the edge client's verified book");
        } finally {
          await fault('binance', 'none');
        }
      }
      assert.equal(feed.stats.checksumMismatches, 0);
      assert.equal(feed.stats.chainBreaks, 0);
      feed.close();

      // a book that breaks where the venue is followed breaks on the edge too (md.venue.book says
      // resyncing): its clients see resyncing, then a snapshot, as the process's own clients do
      const frames: ServerFrame[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${edge.httpPort}/ws`);
      await new Promise((r) => ws.once('open', r));
      ws.on('message', (d) => frames.push(JSON.parse(String(d)) as ServerFrame));
      ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'binance:BTC/USDT' }));
      await waitUntil('the first snapshot on the edge', async () => frames.some((x) => x.type === 'book' && x.action === 'snapshot'), 10_000, 100);
      const mark = frames.length;
      await fault('binance', 'gap');
      await waitUntil('resyncing then a snapshot on the edge', async () => {
        const after = frames.slice(mark).filter((x) => x.type === 'book');
        const r = after.findIndex((x) => x.type === 'book' && x.action === 'status' && x.status === 'resyncing');
        return r >= 0 && after.slice(r).some((x) => x.type === 'book' && x.action === 'snapshot' && x.status === 'in_sync');
      }, 15_000, 100).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(frames.slice(mark).filter((x) => x.type === 'book' && x.action !== 'delta')).slice(0, 1500)}`));
      ws.close();

      type Trades = { trades: TradeView[] };
      const trades = (base: string) => get<Trades>(base, `/v1/trades?symbol=${encodeURIComponent('binance:BTC/USDT')}&limit=1000`);
      await waitUntil('venue trades on the edge', async () => (await trades(edge.baseUrl)).trades.length >= 3, 15_000, 200);
      const [edgeTrades, allTrades] = await Promise.all([trades(edge.baseUrl), trades(svc.baseUrl)]);
      const bySeq = new Map(allTrades.trades.map((t) => [t.seq, t]));
      const common = edgeTrades.trades.filter((t) => bySeq.has(t.seq));
      assert.ok(common.length >= 3, 'the edge serves trades the process served');
      for (const t of common) assert.deepEqual(t, bySeq.get(t.seq), `trade seq ${t.seq}: the same id, price, size, side and time`);

      await waitUntil('the same okx ticker on the edge', async () => {
        const [a, e] = await Promise.all([get<object>(svc.baseUrl, `/v1/ticker/24h?symbol=${encodeURIComponent('okx:BTC/USDT')}`), get<object>(edge.baseUrl, `/v1/ticker/24h?symbol=${encodeURIComponent('okx:BTC/USDT')}`)]);
        return JSON.stringify(a) === JSON.stringify(e);
      }, 10_000, 50);

      const perp = encodeURIComponent('binanceusdm:BTC/USDT:USDT');
      type Funding = { funding_rate: string; interest_rate: string; next_funding_time: number; premium_rate_avg: string | null; timestamp: number };
      await waitUntil('funding on the edge', async () => (await fetch(`${edge.baseUrl}/v1/funding?symbol=${perp}`)).status === 200, 15_000, 200);
      const [fa, fe] = await Promise.all([get<Funding>(svc.baseUrl, `/v1/funding?symbol=${perp}`), get<Funding>(edge.baseUrl, `/v1/funding?symbol=${perp}`)]);
      assert.deepEqual([fe.funding_rate, fe.interest_rate, fe.next_funding_time, fe.premium_rate_avg], [fa.funding_rate, fa.interest_rate, fa.next_funding_time, fa.premium_rate_avg]);
      type Mark = { mark_price: string; index_price: string; timestamp: number };
      await waitUntil('the same mark on the edge', async () => {
        const [a, e] = await Promise.all([get<Mark>(svc.baseUrl, `/v1/mark?symbol=${perp}`), get<Mark>(edge.baseUrl, `/v1/mark?symbol=${perp}`)]);
        return a.timestamp === e.timestamp && a.mark_price === e.mark_price && a.index_price === e.index_price;
      }, 10_000, 50);

      type Liqs = { liquidations: LiquidationView[] };
      await waitUntil('liquidations on the edge', async () => (await get<Liqs>(edge.baseUrl, `/v1/liquidations?symbol=${perp}&limit=1000`)).liquidations.length >= 2, 20_000, 200);
      const allLiqs = new Map((await get<Liqs>(svc.baseUrl, `/v1/liquidations?symbol=${perp}&limit=1000`)).liquidations.map((l) => [l.seq, l]));
      const edgeLiqs = (await get<Liqs>(edge.baseUrl, `/v1/liquidations?symbol=${perp}&limit=1000`)).liquidations;
      for (const l of edgeLiqs) if (allLiqs.has(l.seq)) assert.deepEqual(l, allLiqs.get(l.seq), `liquidation ${l.seq}`);
      assert.ok(edgeLiqs.some((l) => allLiqs.has(l.seq)), 'the edge has liquidations the process served');
      assert.equal(edge.proc.exitCode, null);
    } finally {
      edgeClient.close();
      await edge.stop();
      for (const id of published) await fetch(`${svc.baseUrl}/v1/streams/${id}`, { method: 'PATCH', body: JSON.stringify({ publish: false }), headers: auth });
    }
  });

  it('the control API: a token for changes, add, patch, delete, and streams survive a restart', async () => {
    const body = JSON.stringify({ venue: 'okx', symbol: 'SOL/USDT', kind: 'book', depth: 10 });
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status, 401);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body, headers: { ...auth, authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
    const bad = await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body: JSON.stringify({ venue: 'nowhere', symbol: 'BTC/USDT', kind: 'book' }), headers: auth });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'bad_body');
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body: '{not json', headers: auth })).status, 400);

    const created = await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body, headers: auth });
    assert.equal(created.status, 201);
    const info = (await created.json()) as StreamInfo;
    assert.equal(info.id, 'okx.SOL-USDT.book');
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams`, { method: 'POST', body, headers: auth })).status, 409);
    await waitUntil('the new stream serves', async () => {
      const d = await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent('okx:SOL/USDT')}`);
      return d.status === 200 && ((await d.json()) as { bids: unknown[] }).bids.length === 10;
    }, 15_000);

    const patched = await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`, { method: 'PATCH', body: JSON.stringify({ depth: 5, persist: true }), headers: auth });
    assert.equal(patched.status, 200);
    assert.equal(((await patched.json()) as StreamInfo).depth, 5);
    await waitUntil('the new depth served', async () => ((await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent('okx:SOL/USDT')}`)).json()) as { bids: unknown[] }).bids.length === 5, 10_000);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`, { method: 'PATCH', body: JSON.stringify({ kind: 'trades' }), headers: auth })).status, 400);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`, { method: 'PUT', headers: auth })).headers.get('allow'), 'GET, PATCH, DELETE');

    // a restart restores what the API left (the seeds are not added twice)
    await svc.stop();
    client.close();
    svc = await start();
    client = connect(`ws://127.0.0.1:${svc.httpPort}/ws`, { WebSocket, backoff: { initialMs: 100, maxMs: 1000 } });
    let listed = { streams: [] as StreamInfo[] };
    await waitUntil('the streams restored', async () => {
      listed = (await (await fetch(`${svc.baseUrl}/v1/streams`)).json()) as { streams: StreamInfo[] };
      return listed.streams.length > 0;
    }, 15_000);
    assert.deepEqual(listed.streams.map((s) => s.id).sort(), [
      'binance.BTC-USDT.book', 'binance.BTC-USDT.trades', 'binanceusdm.BTC-USDT-USDT.book', 'binanceusdm.BTC-USDT-USDT.funding', 'binanceusdm.BTC-USDT-USDT.liquidations', 'binanceusdm.ETH-USDT-USDT.trades', 'bitfinex.BTC-USDT.book', 'bitfinex.ETH-USDT.trades', 'bitfinex.SOL-USDT.ticker', 'bybit.BTC-USDT-USDT.funding', 'bybit.BTC-USDT-USDT.liquidations', 'bybit.BTC-USDT.trades', 'bybit.ETH-USDT-USDT.book', 'bybit.SOL-USDT.book',
      'coinbase.BTC-USDT.book', 'coinbase.BTC-USDT.trades', 'coinbase.ETH-USDT.ticker', 'kraken.BTC-USDT.book', 'kraken.BTC-USDT.trades', 'kraken.SOL-USDT.ticker', 'okx.BTC-USDT-USDT.funding', 'okx.BTC-USDT-USDT.liquidations', 'okx.BTC-USDT.ticker', 'okx.ETH-USDT.book', 'okx.SOL-USDT-USDT.book', 'okx.SOL-USDT.book',
    ]);
    assert.equal(listed.streams.find((s) => s.id === 'okx.SOL-USDT.book')!.depth, 5);

    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`, { method: 'DELETE' })).status, 401);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal((await fetch(`${svc.baseUrl}/v1/streams/okx.SOL-USDT.book`)).status, 404);
    assert.equal((await fetch(`${svc.baseUrl}/v1/depth?symbol=${encodeURIComponent('okx:SOL/USDT')}`)).status, 404);
  });
});

describe('venue stream lifecycle', () => {
  it('removing a stream frees its ccxt instance: heap back to baseline after 100 add/remove cycles', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fake = new FakeExchanges(4);
    const port = await fake.start();
    const streams = new VenueStreams(`http://127.0.0.1:${port}`, undefined, new Metrics(), createLogger('silent'));
    const heap = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await sleep(50);
      }
      return process.memoryUsage().heapUsed;
    };
    const cycle = async (venue: string) => {
      const s = await streams.add(parseStreamSpec({ venue, symbol: 'BTC/USDT', kind: 'book', depth: 20 }));
      await waitUntil('a first book', async () => s.stats.messages > 0, 10_000, 20);
      await streams.remove(s.spec.id);
    };
    try {
      for (let i = 0; i < 5; i++) await cycle(i % 2 ? 'okx' : 'binance'); // warm: modules, caches, JIT
      const baseline = await heap();
      for (let i = 0; i < 100; i++) await cycle(i % 2 ? 'okx' : 'binance');
      const afterCycles = await heap();
      assert.equal(streams.clients.size, 0, 'no ccxt instance left');
      assert.deepEqual(streams.market.symbols(), [], 'no venue symbol left');
      const grew = (afterCycles - baseline) / 1024 / 1024;
      console.log(`heap after 100 add/remove cycles: ${(baseline / 1048576).toFixed(1)} → ${(afterCycles / 1048576).toFixed(1)} MiB`);
      assert.ok(grew < 5, `heap grew ${grew.toFixed(1)} MiB over 100 cycles`);
    } finally {
      await streams.stop();
      await fake.stop();
    }
  });
});

describe('the index from live venue streams', () => {
  it('takes a venue price from its stream where one runs and polls the others', async () => {
    const fake = new FakeExchanges(6);
    const port = await fake.start();
    const { env } = isolatedEnv({
      PRICING_ENABLED: 'true',
      INDEX_SOURCES: 'binance:1,okx:1',
      INDEX_EXCHANGE_BASE_URL: `http://127.0.0.1:${port}`,
      VENUE_BASE_URL: `http://127.0.0.1:${port}`,
      VENUE_STREAMS: 'binance:BTC/USDT@ticker',
    });
    const stores = await testStores(`ix${Date.now() % 1e8}`);
    const svc = await startService({ ...env, ...stores.env, PERSIST_ENABLED: 'false' });
    try {
      await runSim(['--symbols', '1', '--rate', '200', '--duration', '8', '--seed', '5'], env);
      const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
      const taken = (exchange: string, via: string) => Number(new RegExp(`md_index_quotes_total\\{exchange="${exchange}",via="${via}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      assert.ok(taken('binance', 'stream') > 5, `binance from its stream (${taken('binance', 'stream')})`);
      assert.equal(taken('binance', 'rest'), 0, 'binance is not polled while its stream runs');
      assert.ok(taken('okx', 'rest') > 5, `okx polled (${taken('okx', 'rest')})`);
      const index = (await (await fetch(`${svc.baseUrl}/v1/index?symbol=BTCUSDT-PERP`)).json()) as { sources_used: string[]; stale: boolean };
      assert.deepEqual([...index.sources_used].sort(), ['binance', 'okx']);
      assert.equal(index.stale, false);
    } finally {
      await svc.stop();
      await fake.stop();
      await stores.drop();
    }
  });
});
