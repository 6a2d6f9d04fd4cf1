import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProto } from 'grpc-health-check';
import { repoPath } from '../../src/paths.js';
import { isolatedEnv, startService } from '../support/service.js';
import { runSim } from '../support/sim.js';
import { testStores } from '../support/stores.js';

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
const load = (file: string) => grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true }));

function unary<T>(client: Client, method: string, req: object): Promise<T> {
  return new Promise((resolve, reject) => (client[method] as (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: T) => void) => void).call(client, req, { deadline: Date.now() + 10_000 }, (e, v) => (e ? reject(e) : resolve(v))));
}

async function collect(client: Client, req: object, slowMs = 0): Promise<Record<string, unknown>[]> {
  const stream = (client.ReplayStream as (r: object, o: grpc.CallOptions) => grpc.ClientReadableStream<Record<string, unknown>>).call(client, req, { deadline: Date.now() + 60_000 });
  const out: Record<string, unknown>[] = [];
  for await (const m of stream) {
    out.push(m as Record<string, unknown>);
    if (slowMs && out.length % 500 === 0) await new Promise((r) => setTimeout(r, slowMs)); // a slow reader: the server waits for it
  }
  return out;
}

describe('gRPC (real client, real storage)', () => {
  it('GetOrderBook and GetMarkPrice from memory, ReplayStream from storage with flow control, standard health, and the right status codes', async () => {
    const { prefix, env } = isolatedEnv({ MD_SNAPSHOT_INTERVAL_MS: '1000' });
    const stores = await testStores(prefix);
    const svc = await startService({ ...env, ...stores.env });
    const pkg = load(repoPath('proto/marketdata.proto')) as unknown as { marketdata: { v1: { MarketData: grpc.ServiceClientConstructor } } };
    const client = new pkg.marketdata.v1.MarketData(`127.0.0.1:${svc.grpcPort}`, grpc.credentials.createInsecure()) as unknown as Client;
    try {
      const summary = await runSim(['--symbols', '2', '--rate', '3000', '--duration', '6', '--seed', '81', '--engine-speed', '60'], env);
      await stores.waitForTrades(summary.trades).catch((err: Error) => {
        throw new Error(`${err.message}; service output:\n${svc.output().slice(-3000)}`);
      });
      await new Promise((r) => setTimeout(r, 2500));
      const symbol = 'BTCUSDT-PERP';
      const range = { start_time: Date.now() - 86_400_000, end_time: Date.now() + 86_400_000 }; // the engine clock runs 60× fast

      const book = await unary<{ sequence: number; bids: { price: string; quantity: string }[]; asks: unknown[]; status: string }>(client, 'GetOrderBook', { symbol, depth: 5000 });
      const depth = (await (await fetch(`${svc.baseUrl}/v1/depth?symbol=${symbol}&depth=5000`)).json()) as { seq: number; bids: string[][] };
      assert.equal(book.sequence, depth.seq);
      assert.deepEqual(book.bids.map((l) => [l.price, l.quantity]), depth.bids);
      assert.equal(book.status, 'in_sync');
      await assert.rejects(unary(client, 'GetOrderBook', { symbol: 'NOPE' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
      await assert.rejects(unary(client, 'GetOrderBook', { symbol, depth: 9999 }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
      await assert.rejects(unary(client, 'GetMarkPrice', { symbol }), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE, 'pricing is off');

      const stored = (await stores.trades()).filter((t) => t.symbol === symbol);
      const replayed = await collect(client, { symbol, channel: 'trades', ...range }, 20);
      assert.equal(replayed.length, stored.length, 'every stored trade replayed');
      assert.deepEqual(replayed.map((m) => (m.trade as { sequence: number }).sequence), stored.map((t) => Number(t.sequence)), 'in engine order');
      const candles = await collect(client, { symbol, channel: 'kline:1m', ...range });
      const pgCandles = (await stores.pg.query("SELECT count(*)::int AS n FROM candles WHERE symbol = $1 AND interval = '1m'", [symbol])).rows[0].n;
      assert.ok(pgCandles > 0);
      assert.equal(candles.length, pgCandles);
      const books = await collect(client, { symbol, channel: 'book', ...range });
      assert.ok(books.length > 0, 'book snapshots replayed');
      await assert.rejects(collect(client, { symbol, channel: 'nope', ...range }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
      await assert.rejects(collect(client, { symbol, channel: 'trades', start_time: 10, end_time: 5 }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
      await assert.rejects(collect(client, { symbol: 'NOPE', channel: 'trades', ...range }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);

      const health = load(healthProto) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
      const hc = new health.grpc.health.v1.Health(`127.0.0.1:${svc.grpcPort}`, grpc.credentials.createInsecure()) as unknown as Client;
      assert.equal((await unary<{ status: string }>(hc, 'Check', { service: 'marketdata.v1.MarketData' })).status, 'SERVING');
      hc.close();
    } finally {
      client.close();
      await svc.stop();
      await stores.drop();
    }
  });
});
