// REST v1: snapshots of what the service holds, JSON with decimal strings. Books, trades,
// tickers and prices come from memory; closed candles from PostgreSQL (plus the one in
// progress from memory). 400 for a bad parameter, 404 for an unknown symbol, both as JSON.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Instrument } from '../domain/instrument.js';
import { levelStrings } from '../domain/instrument.js';
import type { MarketView } from '../market/market-view.js';
import type { Metrics } from '../obs/metrics.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';
import type { CandleReader } from '../store/candle-reader.js';
import { respondLater, type Reply } from './http-response.js';
import type { MarketHub } from './market-hub.js';
import { depthView } from './depth-view.js';
import { OPENAPI } from './openapi.js';
import { HttpError, Params } from './rest-params.js';

export interface RestDeps {
  view: MarketView;
  hub: MarketHub;
  candles: CandleReader | undefined;
  /** Latest pricing output (undefined when pricing is off). */
  pricing: () => PricingOutput | undefined;
  metrics: Metrics;
}

type Handler = (p: Params) => Promise<unknown> | unknown;

export function registerRestRoutes(app: TemplatedApp, deps: RestDeps): void {
  const { view: state, hub } = deps;
  const route = (path: string, handler: Handler) =>
    app.get(path, (res: HttpResponse, req: HttpRequest) => {
      const params = Params.of(req.getQuery() ?? ''); // read before anything awaits (uWS frees req)
      respondLater(res, async (): Promise<Reply> => {
        let reply: Reply;
        try {
          reply = { code: 200, body: JSON.stringify(await handler(params)) };
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          reply = { code: err.status, body: JSON.stringify({ error: err.code, message: err.message }) };
        }
        deps.metrics.httpRequests.inc({ route: path, status: reply.code });
        return reply;
      });
    });

  const instrument = (p: Params): Instrument => {
    const symbol = p.required('symbol');
    const inst = state.instrument(symbol);
    if (!inst) throw new HttpError(404, 'unknown_symbol', `unknown symbol ${JSON.stringify(symbol.slice(0, 40))}`);
    return inst;
  };
  const perpetual = (p: Params): Instrument & { perpetual: NonNullable<Instrument['perpetual']> } => {
    const inst = instrument(p);
    if (!inst.perpetual) throw new HttpError(404, 'not_a_perpetual', `${inst.symbol} is a spot market: it has no mark, index, funding or liquidations`);
    return inst as Instrument & { perpetual: NonNullable<Instrument['perpetual']> };
  };
  const pricing = (): PricingOutput => {
    const out = deps.pricing();
    if (!out) throw new HttpError(503, 'pricing_disabled', 'index, mark and funding are not computed by this instance (PRICING_ENABLED=false)');
    return out;
  };
  const notYet = (what: string, symbol: string) => new HttpError(503, 'not_ready', `no ${what} for ${symbol} yet`);

  app.get('/v1/openapi.json', (res) => respondLater(res, async () => ({ code: 200, body: JSON.stringify(OPENAPI) })));

  route('/v1/symbols', () => ({
    symbols: state.symbols().map((s) => {
      const i = state.instrument(s)!;
      return {
        symbol: i.symbol,
        base: i.base,
        quote: i.quote,
        kind: i.kind,
        status: i.status,
        book_status: state.status(s) ?? 'resyncing',
        tick_size: i.tick.format(1),
        lot_size: i.lot.format(1),
        perpetual: i.perpetual ? { index_symbol: i.perpetual.indexSymbol, funding_interval_hours: i.perpetual.fundingIntervalHours, interest_rate: i.perpetual.interestRate } : null,
      };
    }),
  }));

  route('/v1/depth', (p) => {
    const inst = instrument(p);
    const v = depthView(state, inst, p.int('depth', 100, 1, 5000));
    return { symbol: v.symbol, seq: v.sequence, status: v.status, bids: levelStrings(inst, v.bids), asks: levelStrings(inst, v.asks), checksum: v.checksum, ts: v.timestamp };
  });

  route('/v1/trades', (p) => {
    const inst = instrument(p);
    return { symbol: inst.symbol, trades: hub.recentTrades(inst.symbol, p.int('limit', 100, 1, 1000)) };
  });

  route('/v1/liquidations', (p) => {
    const inst = perpetual(p);
    return { symbol: inst.symbol, liquidations: hub.recentLiquidations(inst.symbol, p.int('limit', 100, 1, 1000)) };
  });

  route('/v1/ticker/24h', (p) => {
    const one = p.optional('symbol');
    const symbols = one === undefined ? state.symbols() : [instrument(p).symbol];
    const now = Date.now();
    const views = symbols.flatMap((s) => state.ticker(s, now) ?? []);
    return one === undefined ? { tickers: views } : views[0];
  });

  route('/v1/klines', async (p) => {
    const inst = instrument(p);
    const interval = p.interval('interval');
    const limit = p.int('limit', 500, 1, 1000);
    const start = p.optional('start') === undefined ? undefined : p.int('start', 0, 0, 8.64e15);
    const end = p.int('end', 8.64e15, 0, 8.64e15);
    // a range that ends before it starts holds no candle (JSON Schema cannot relate two parameters)
    if (start !== undefined && start > end) return { symbol: inst.symbol, interval, klines: [] };
    const closed = deps.candles ? await deps.candles.range(inst.symbol, interval, start, end, limit) : [];
    const current = state.openCandle(inst.symbol, interval);
    const klines = [...closed];
    if (current && current.open_time >= (start ?? 0) && current.open_time <= end && !klines.some((k) => k.open_time === current.open_time)) klines.push(current);
    return { symbol: inst.symbol, interval, klines: klines.slice(-limit) };
  });

  route('/v1/mark', (p) => {
    const inst = perpetual(p);
    return pricing().marks.find((m) => m.symbol === inst.symbol) ?? (() => { throw notYet('mark price', inst.symbol); })();
  });
  route('/v1/index', (p) => {
    const inst = perpetual(p);
    return pricing().indices.find((i) => i.index_symbol === inst.perpetual.indexSymbol) ?? (() => { throw notYet('index price', inst.symbol); })();
  });
  route('/v1/funding', (p) => {
    const inst = perpetual(p);
    return pricing().funding.find((f) => f.symbol === inst.symbol) ?? (() => { throw notYet('funding rate', inst.symbol); })();
  });
}
