import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { connect, MarketDataError, rest, type BookFeed, type MarketClient, type ServerFrame, type StateEvent, type VerifiedBook } from '@market-data/client';
import { checksumPayload } from '../../src/domain/checksum-payload.js';
import { crc32 } from '../../src/domain/crc32.js';
import { startCluster } from '../support/cluster.js';
import { freePort, isolatedEnv, startService, waitForMarket, type RunningService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { waitUntil } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOLS = ['BTCUSDT-PERP', 'ETHUSDT-PERP'];
// Node 20 has no WebSocket global: the client takes any constructor of the same shape
const options = { WebSocket, backoff: { initialMs: 100, maxMs: 1000 } };

interface Depth {
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

/**
 * A book feed watched from outside: every state it yields is checked against the checksum the
 * server sent for that seq (read from the raw frames, independently of the client's own check).
 */
function watchBook(client: MarketClient, symbol: string) {
  const serverChecksum = new Map<number, number>();
  client.connection.onFrame((f: ServerFrame) => {
    if (f.type === 'book' && f.symbol === symbol && f.action !== 'status') serverChecksum.set(f.seq, f.checksum);
  });
  const feed: BookFeed = client.book(symbol);
  const w = { feed, yielded: 0, unverified: [] as string[], backwards: [] as string[], lastSeq: -1 };
  feed.on((b: VerifiedBook) => {
    w.yielded++;
    const { bids, asks } = b.levels(25);
    const want = serverChecksum.get(b.seq);
    if (want === undefined || crc32(checksumPayload(bids, asks, 25)) !== want) w.unverified.push(`${symbol}@${b.seq}`);
    if (b.seq < w.lastSeq) w.backwards.push(`${w.lastSeq}→${b.seq}`);
    w.lastSeq = b.seq;
  });
  return w;
}

/** Waits for a quiet point (the service's book stops moving and the client holds that same seq), then compares. */
async function assertBookEqualsDepth(svc: { baseUrl: string }, feed: BookFeed, symbol: string, what: string): Promise<void> {
  let same: { seq: number; client: unknown; server: unknown } | undefined;
  let last = '';
  await waitUntil(`${what}: ${symbol} at the service's book`, async () => {
    const d = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${symbol}&depth=5000`)).json()) as Depth;
    last = `service at ${d.seq}, client at ${feed.book.seq} (${JSON.stringify(feed.stats)})`;
    if (feed.book.seq !== d.seq) return false;
    same = { seq: d.seq, client: feed.book.levels(), server: { bids: d.bids, asks: d.asks } };
    return true;
  }, 20_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
  assert.deepEqual(same!.client, same!.server, `${what}: ${symbol} at ${same!.seq}`);
}

describe('the client library against the real service (@market-data/client)', () => {
  it('keeps books equal to /v1/depth, also on a 5 msgs/s budget and through a service restart; typed streams and REST', async () => {
    const httpPort = await freePort();
    const { env } = isolatedEnv({ HTTP_PORT: String(httpPort), WS_BOOK_SNAPSHOT_INTERVAL_MS: '3000', MD_SNAPSHOT_INTERVAL_MS: '1000' });
    let svc: RunningService = await startService(env);
    const url = `ws://127.0.0.1:${httpPort}/ws`;
    const live = connect(url, options);
    const budget = connect(url, { ...options, maxMsgsPerSec: 5 });
    const states: StateEvent[] = [];
    live.onState((e) => states.push(e));
    try {
      const sim = runSim(['--symbols', '2', '--rate', '2000', '--duration', '18', '--seed', '81'], env);
      await waitForMarket(svc, SYMBOLS);
      const books = SYMBOLS.map((s) => watchBook(live, s));
      const slow = watchBook(budget, SYMBOLS[0]!);
      const trades = live.trades(SYMBOLS[0]!);
      const tradeIds: string[] = [];
      trades.on((t) => tradeIds.push(t.id));
      const ticker = live.ticker(SYMBOLS[0]!);
      const klines = live.klines(SYMBOLS[0]!, '1m');
      let lastTicker: { last: string | null } | undefined;
      let klineCount = 0;
      ticker.on((t) => (lastTicker = t));
      klines.on(() => klineCount++);
      await Promise.all([...books.map((b) => b.feed.ready), slow.feed.ready, trades.ready, ticker.ready, klines.ready]);
      const subscribedAt = Date.now();
      const liveTimes: number[] = [];
      const slowTimes: number[] = [];
      live.connection.onFrame((f) => f.type === 'book' && f.symbol === SYMBOLS[0] && liveTimes.push(Date.now()));
      budget.connection.onFrame((f) => f.type === 'book' && slowTimes.push(Date.now()));

      // the async-iterable form yields verified states too
      const it = books[1]!.feed[Symbol.asyncIterator]();
      const first = (await it.next()).value as VerifiedBook;
      assert.equal(first.symbol, SYMBOLS[1]);
      assert.ok(first.bestBid() && first.bestAsk() && first.spread()!.startsWith('-') === false, 'a verified book is not crossed');
      await it.return!();

      // a service restart mid-run: the client reconnects by itself and resumes with its seq
      await sleep(6500);
      await svc.stop('SIGTERM');
      svc = await startService(env);
      await waitUntil('the client is back', async () => live.state === 'open' && budget.state === 'open', 20_000, 50);

      await sim;
      for (const [i, s] of SYMBOLS.entries()) await assertBookEqualsDepth(svc, books[i]!.feed, s, 'live client');
      await assertBookEqualsDepth(svc, slow.feed, SYMBOLS[0]!, '5 msgs/s client');

      for (const w of [...books, slow]) {
        assert.ok(w.yielded > 10, `${w.feed.symbol}: ${w.yielded} states yielded`);
        assert.deepEqual(w.unverified, [], 'every yielded state has the checksum the server sent for its seq');
        assert.deepEqual(w.backwards, [], 'yielded seqs never go back');
        assert.equal(w.feed.stats.checksumMismatches, 0);
      }
      // the server checks budgets once a second: from the second second on, the 5 msgs/s client gets merged deltas within it
      const inWindow = (times: number[]) => times.filter((t) => t >= subscribedAt + 2000 && t < subscribedAt + 6000).length;
      assert.ok(inWindow(slowTimes) <= 5 * 4 * 1.2 + 2 && inWindow(slowTimes) < inWindow(liveTimes) / 2, `the budget holds: ${inWindow(slowTimes)} messages in 4 s at 5 msgs/s, ${inWindow(liveTimes)} unthrottled`);
      const reconnects = states.filter((e) => e.state === 'reconnecting');
      assert.ok(reconnects.length >= 1 && states.at(-1)!.state === 'open', `states: ${states.map((e) => e.state).join(' ')}`);

      assert.ok(tradeIds.length > 50, `${tradeIds.length} trades`);
      const depthNow = await rest(svc.baseUrl).get('/v1/depth', { symbol: SYMBOLS[0]!, depth: 5 });
      assert.equal(depthNow.symbol, SYMBOLS[0]);
      assert.ok(depthNow.bids.length <= 5);
      const restTicker = await rest(svc.baseUrl).ticker(SYMBOLS[0]!);
      await waitUntil('the ticker stream at REST', async () => lastTicker?.last === restTicker.last, 5000, 100);
      assert.ok(klineCount > 0, 'kline frames');

      // a refused subscription rejects with the server's code; a rejected REST call likewise
      const unknown = live.book('NOPE-PERP');
      await assert.rejects(unknown.ready, (e: unknown) => e instanceof MarketDataError && e.code === 'unknown_symbol');
      await assert.rejects(rest(svc.baseUrl).get('/v1/depth', { symbol: 'NOPE-PERP' }), (e: unknown) => e instanceof MarketDataError && e.code === 'unknown_symbol' && e.status === 404);
      const pong = await live.ping();
      assert.equal(pong.type, 'pong');
    } finally {
      live.close();
      budget.close();
      await svc.stop();
    }
  });

  it('fails over between edges: a killed edge, and the client resumes on the next URL with its seq', async () => {
    const { env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000' });
    const cluster = await startCluster(env, 1, 2);
    const urls = cluster.edges.map((e) => `ws://127.0.0.1:${e.httpPort}/ws`);
    const client = connect(urls, options);
    const states: StateEvent[] = [];
    client.onState((e) => states.push(e));
    try {
      const sim = runSim(['--symbols', '2', '--rate', '1000', '--duration', '18', '--seed', '82'], env);
      await waitUntil('the edges know every symbol', async () => {
        const r = (await (await fetch(`${cluster.edges[0]!.baseUrl}/v1/symbols`)).json()) as { symbols: unknown[] };
        return r.symbols.length === 2;
      }, 60_000, 200);
      const books = SYMBOLS.map((s) => watchBook(client, s));
      await waitUntil('books on the first edge', async () => books.every((b) => b.feed.stats.messages > 20), 30_000, 100);
      assert.equal(client.connection.url, urls[0]);
      // where each book stood when the first edge went (no frame of it can arrive after that), and
      // the first book frame the second edge sent for it
      const seqAtDrop = new Map<string, number>();
      client.onState((e) => {
        if (e.state === 'reconnecting' && !seqAtDrop.size) for (const b of books) seqAtDrop.set(b.feed.symbol, b.feed.book.seq);
      });
      const firstOnSecond = new Map<string, ServerFrame>();
      client.connection.onFrame((f) => {
        if (client.connection.url === urls[1] && f.type === 'book' && f.action !== 'status' && !firstOnSecond.has(f.symbol)) firstOnSecond.set(f.symbol, f);
      });

      await cluster.edges[0]!.stop('SIGKILL');
      await waitUntil('the client on the second edge', async () => client.state === 'open' && client.connection.url === urls[1], 20_000, 50);
      const seqAtFailover = books.map((b) => b.feed.book.seq);
      await waitUntil('the books move on', async () => books.every((b, i) => b.feed.book.seq > seqAtFailover[i]!), 15_000, 50);
      await sim;
      for (const [i, s] of SYMBOLS.entries()) await assertBookEqualsDepth(cluster.edges[1]!, books[i]!.feed, s, 'after failover');
      for (const [i, b] of books.entries()) {
        assert.deepEqual(b.unverified, []);
        assert.deepEqual(b.backwards, []);
        assert.equal(b.feed.stats.chainBreaks, 0, 'resumed with the missed deltas: no break');
        const first = firstOnSecond.get(SYMBOLS[i]!)!;
        assert.equal(first.type === 'book' && first.action, 'delta', `${SYMBOLS[i]}: the second edge sent the missed deltas, not a snapshot`);
        assert.equal(first.type === 'book' && first.action === 'delta' && first.prev_seq, seqAtDrop.get(SYMBOLS[i]!), 'starting where the client was');
      }
      const seen = states.map((e) => e.state);
      assert.ok(seen.includes('reconnecting'), seen.join(' '));
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});
