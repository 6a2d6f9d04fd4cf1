// gRPC (proto/marketdata.proto): the book and mark price from memory, and replays of stored
// history streamed page by page with flow control (a slow reader holds the next page back);
// plus the standard grpc.health.v1 service.
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { levelRecords } from '../domain/instrument.js';
import type { MarketView } from '../market/market-view.js';
import type { Logger } from '../obs/logger.js';
import { repoPath } from '../paths.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import type { CandleReader } from '../store/candle-reader.js';
import type { ClickHouseClient } from '../store/clickhouse.js';
import { bookSnapshotsPage, tradesPage } from '../store/trade-history.js';
import { isChannel, klineInterval } from './channels.js';
import { depthView } from './depth-view.js';

const PAGE = 5_000;
const MAX_REPLAY_MS = 31 * 86_400_000;

export interface GrpcDeps {
  state: MarketView;
  pricing: () => PricingOutput | undefined;
  candles: CandleReader;
  clickhouse: ClickHouseClient;
  database: string;
  log: Logger;
}

const fail = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });

export async function startGrpc(host: string, port: number, deps: GrpcDeps): Promise<{ port: number; stop(graceMs?: number): Promise<void> }> {
  const def = protoLoader.loadSync(repoPath('proto/marketdata.proto'), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { marketdata: { v1: { MarketData: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server();
  const { state } = deps;

  const instrumentOf = (symbol: string) => {
    if (!symbol) throw fail(grpc.status.INVALID_ARGUMENT, 'symbol is required');
    const inst = state.instrument(symbol);
    if (!inst) throw fail(grpc.status.NOT_FOUND, `unknown symbol ${JSON.stringify(symbol.slice(0, 40))}`);
    return inst;
  };
  const unary =
    <Req, Res>(fn: (req: Req) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
      try {
        cb(null, fn(call.request));
      } catch (err) {
        cb(err as grpc.ServiceError);
      }
    };

  server.addService(pkg.marketdata.v1.MarketData.service, {
    GetOrderBook: unary((req: { symbol: string; depth: number }) => {
      const inst = instrumentOf(req.symbol);
      if (req.depth > 5000) throw fail(grpc.status.INVALID_ARGUMENT, 'depth must be at most 5000 (0 = 100)');
      const v = depthView(state, inst, req.depth || 100);
      return { ...v, bids: levelRecords(inst, v.bids), asks: levelRecords(inst, v.asks) };
    }),
    GetMarkPrice: unary((req: { symbol: string }) => {
      const inst = instrumentOf(req.symbol);
      if (!inst.perpetual) throw fail(grpc.status.NOT_FOUND, `${inst.symbol} is a spot market: it has no mark price`);
      const out = deps.pricing();
      if (!out) throw fail(grpc.status.UNAVAILABLE, 'pricing is off on this instance');
      const m = out.marks.find((x) => x.symbol === inst.symbol);
      if (!m) throw fail(grpc.status.UNAVAILABLE, `no mark price for ${inst.symbol} yet`);
      return { symbol: m.symbol, index_symbol: m.index_symbol, mark_price: m.mark_price ?? '', index_price: m.index_price ?? '', stale: m.stale, timestamp: m.timestamp };
    }),
    ReplayStream: (call: grpc.ServerWritableStream<{ symbol: string; channel: string; start_time: number; end_time: number }, unknown>) => {
      replay(call, deps).catch((err: grpc.ServiceError) => {
        if (call.cancelled) return;
        if (typeof err.code !== 'number') deps.log.error({ err: err.message }, 'replay failed');
        call.emit('error', typeof err.code === 'number' ? err : fail(grpc.status.UNAVAILABLE, `storage: ${err.message}`));
      });
    },
  });

  const health = new HealthImplementation({ '': 'SERVING', 'marketdata.v1.MarketData': 'SERVING' });
  health.addToServer(server);

  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(new Error(`GRPC_PORT ${port} on ${host}: ${err.message}`)) : resolve(p))),
  );
  return {
    port: bound,
    stop: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        // calls in flight (a long replay) get a moment to finish, then are cancelled
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };

  async function replay(call: grpc.ServerWritableStream<{ symbol: string; channel: string; start_time: number; end_time: number }, unknown>, d: GrpcDeps): Promise<void> {
    const { symbol, channel } = call.request;
    const inst = instrumentOf(symbol);
    const start = call.request.start_time;
    const end = call.request.end_time || Date.now();
    if (!isChannel(channel) || !(channel === 'trades' || channel === 'book' || klineInterval(channel))) {
      throw fail(grpc.status.INVALID_ARGUMENT, 'channel must be trades, book or kline:{1m|5m|15m|1h|4h|1d}');
    }
    if (start < 0 || start > end) throw fail(grpc.status.INVALID_ARGUMENT, 'start_time must be at or before end_time');
    if (end - start > MAX_REPLAY_MS) throw fail(grpc.status.INVALID_ARGUMENT, 'at most 31 days per replay');
    const write = async (msg: object) => {
      if (!call.write(msg)) await once(call, 'drain');
    };
    if (channel === 'trades') {
      for (let after = -1; !call.cancelled; ) {
        const rows = await tradesPage(d.clickhouse, d.database, inst.symbol, start, end, after, PAGE);
        for (const r of rows) await write({ symbol, trade: { trade_id: r.trade_id, price: inst.tick.format(inst.tick.toUnits(r.price)), quantity: inst.lot.format(inst.lot.toUnits(r.quantity)), taker_side: r.taker_side, timestamp: Number(r.ts_ms), sequence: Number(r.sequence) } });
        if (rows.length < PAGE) break;
        after = Number(rows[rows.length - 1]!.sequence);
      }
    } else if (channel === 'book') {
      const lv = (ps: string[], qs: string[]) => ps.map((p, i) => ({ price: inst.tick.format(inst.tick.toUnits(p)), quantity: inst.lot.format(inst.lot.toUnits(qs[i]!)) }));
      for (let after = -1; !call.cancelled; ) {
        const rows = await bookSnapshotsPage(d.clickhouse, d.database, inst.symbol, start, end, after, 200);
        for (const r of rows) await write({ symbol, book: { symbol, sequence: Number(r.sequence), status: 'in_sync', bids: lv(r.bp, r.bs), asks: lv(r.ap, r.as), checksum: Number(r.checksum), timestamp: Number(r.ts_ms) } });
        if (rows.length < 200) break;
        after = Number(rows[rows.length - 1]!.sequence);
      }
    } else {
      const interval = klineInterval(channel)!;
      for (let from = start; !call.cancelled; ) {
        const rows = await d.candles.range(inst.symbol, interval, from, end, 1000);
        for (const c of rows) await write({ symbol, candle: { interval: c.interval, open_time: c.open_time, close_time: c.close_time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quote_volume: c.quote_volume, trade_count: c.trade_count } });
        if (rows.length < 1000) break;
        from = rows[rows.length - 1]!.open_time + 1;
      }
    }
    call.end();
  }
}
