// Binance spot and USDⓈ-M futures, as documented (REST api/v3 or fapi/v1, wss://stream.binance.com/ws
// or wss://fstream.binance.com/ws): exchangeInfo, depth snapshots with lastUpdateId, and the
// `<symbol>@depth@100ms` diff stream whose U/u chain a client checks (futures also carry `pu`, the
// previous update's u), plus `@trade`, `@ticker` (24hrTicker) and `@miniTicker` (24hrMiniTicker, what
// ccxt's watchTicker asks for) streams; futures also `@markPrice@1s` (markPriceUpdate) and
// `@forceOrder` (a liquidation order: here every fourth trade is one, filled at half a tick off).
// Subscriptions by {"method":"SUBSCRIBE","params":[...],"id":N}, acknowledged by
// {"result":null,"id":N}. The futures are linear perpetuals settled in the quote.
import { decimalsOf, wireStrings, type ModelStep, type SymbolModel } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const wire = (symbol: string) => symbol.replace('/', '');

export class BinanceStandIn extends VenueStandIn {
  private readonly rest: string;

  constructor(
    private readonly market: 'spot' | 'usdm' = 'spot',
    seed = market === 'spot' ? 11 : 15,
  ) {
    super(market === 'spot' ? 'binance' : 'binanceusdm', seed);
    this.rest = market === 'spot' ? '/api/v3' : '/fapi/v1';
  }

  private listing(spec: SymbolModel['spec']): Record<string, unknown> {
    const filters = [
      { filterType: 'PRICE_FILTER', minPrice: spec.tickSize, maxPrice: '10000000', tickSize: spec.tickSize },
      { filterType: 'LOT_SIZE', minQty: spec.lotSize, maxQty: '90000', stepSize: spec.lotSize },
    ];
    if (this.market === 'usdm') {
      return {
        symbol: wire(spec.symbol), pair: wire(spec.symbol), contractType: 'PERPETUAL', deliveryDate: 4133404800000, onboardDate: 1569398400000, status: 'TRADING',
        baseAsset: spec.base, quoteAsset: spec.quote, marginAsset: spec.quote, pricePrecision: decimalsOf(spec.tickSize), quantityPrecision: decimalsOf(spec.lotSize),
        baseAssetPrecision: 8, quotePrecision: 8, underlyingType: 'COIN', underlyingSubType: [], settlePlan: 0, triggerProtect: '0.0500', liquidationFee: '0.012500',
        marketTakeBound: '0.05', maxMoveOrderLimit: 10000, filters, orderTypes: ['LIMIT', 'MARKET'], timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      };
    }
    return {
      symbol: wire(spec.symbol), status: 'TRADING', baseAsset: spec.base, baseAssetPrecision: 8, quoteAsset: spec.quote, quotePrecision: 8, quoteAssetPrecision: 8,
      orderTypes: ['LIMIT', 'MARKET'], icebergAllowed: true, ocoAllowed: true, isSpotTradingAllowed: true, isMarginTradingAllowed: false,
      permissions: ['SPOT'], permissionSets: [['SPOT']], filters,
    };
  }

  private bySymbol(venueSymbol: string): SymbolModel | undefined {
    return [...this.models.values()].find((m) => wire(m.spec.symbol) === venueSymbol.toUpperCase());
  }

  http(path: string, query: URLSearchParams): HttpAnswer | undefined {
    if (path === `${this.rest}/exchangeInfo`) {
      return { status: 200, body: { timezone: 'UTC', serverTime: Date.now(), rateLimits: [], symbols: [...this.models.values()].map(({ spec }) => this.listing(spec)) } };
    }
    if (path === `${this.rest}/depth`) {
      const m = this.bySymbol(query.get('symbol') ?? '');
      if (!m) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
      const limit = Math.min(Number(query.get('limit') ?? 100) || 100, 5000);
      const lv = (side: 'bid' | 'ask') => wireStrings(m).levels(side, limit);
      const now = Date.now();
      return { status: 200, body: { lastUpdateId: m.updateId, ...(this.market === 'usdm' ? { E: now, T: now } : {}), bids: lv('bid'), asks: lv('ask') } };
    }
    return undefined;
  }

  onMessage(conn: Connection, text: string): void {
    let msg: { method?: string; params?: string[]; id?: number };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
    }
    if (msg.method !== 'SUBSCRIBE' && msg.method !== 'UNSUBSCRIBE') return this.send(conn, JSON.stringify({ error: { code: 1, msg: 'Invalid request' }, id: msg.id ?? null }));
    for (const stream of msg.params ?? []) {
      const [sym, channel] = stream.split('@');
      const model = this.bySymbol(sym ?? '');
      const kind =
        channel === 'depth' ? 'book'
        : channel === 'trade' ? 'trades'
        : channel === 'ticker' || channel === 'miniTicker' ? 'ticker'
        : channel === 'markPrice' && this.market === 'usdm' ? 'funding'
        : channel === 'forceOrder' && this.market === 'usdm' ? 'liquidations'
        : undefined;
      if (!model || !kind) continue;
      conn.subs = conn.subs.filter((s) => !(s.kind === kind && s.symbol === model.spec.symbol));
      if (msg.method === 'SUBSCRIBE') conn.subs.push({ kind, symbol: model.spec.symbol, state: { mini: channel === 'miniTicker' } });
    }
    this.send(conn, JSON.stringify({ result: null, id: msg.id }));
  }

  protected framesFor(_conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const s = m.spec;
    const { px, qty, changes, quoteVolume } = wireStrings(m);
    if (sub.kind === 'book') {
      const side = (name: 'bid' | 'ask') => changes(step, name);
      const chain = this.market === 'usdm' ? { T: step.ts, U: step.firstUpdateId, u: step.updateId, pu: step.firstUpdateId - 1 } : { U: step.firstUpdateId, u: step.updateId };
      return [JSON.stringify({ e: 'depthUpdate', E: step.ts, s: wire(s.symbol), ...chain, b: side('bid'), a: side('ask') })];
    }
    if (sub.kind === 'funding') {
      // mark and index to 8 decimals around the last price; funding every 8 hours at the base rate
      const eight = (ticks: number) => `${px(ticks)}${'0'.repeat(8 - decimalsOf(s.tickSize))}`;
      const next = Math.ceil((step.ts + 1) / 28_800_000) * 28_800_000;
      return [JSON.stringify({ e: 'markPriceUpdate', E: step.ts, s: wire(s.symbol), p: eight(m.last), ap: eight(m.last), P: eight(m.last), i: eight(m.open), r: '0.00010000', T: next })];
    }
    if (sub.kind === 'liquidations') {
      const half = (ticks: number) => `${px(ticks)}5`; // the average of two fills a tick apart
      return step.trades
        .filter((t) => t.id % 4 === 0)
        .map((t) => JSON.stringify({ e: 'forceOrder', E: t.ts, o: { s: wire(s.symbol), S: t.takerSide.toUpperCase(), o: 'LIMIT', f: 'IOC', q: qty(t.size), p: px(t.price), ap: half(t.price), X: 'FILLED', l: qty(t.size), z: qty(t.size), T: t.ts } }));
    }
    if (sub.kind === 'trades') {
      return step.trades.map((t) => JSON.stringify({ e: 'trade', E: t.ts, s: wire(s.symbol), t: t.id, p: px(t.price), q: qty(t.size), T: t.ts, m: t.takerSide === 'sell', M: true }));
    }
    const quote = quoteVolume();
    if (sub.state.mini) {
      return [JSON.stringify({ e: '24hrMiniTicker', E: step.ts, s: wire(s.symbol), c: px(m.last), o: px(m.open), h: px(m.high), l: px(m.low), v: qty(m.volume), q: quote })];
    }
    const bid = m.levels('bid', 1)[0]!;
    const ask = m.levels('ask', 1)[0]!;
    return [
      JSON.stringify({
        e: '24hrTicker', E: step.ts, s: wire(s.symbol),
        p: px(m.last - m.open), P: '0.000', w: px(m.last), x: px(m.open), c: px(m.last), Q: '0',
        b: px(bid[0]), B: qty(bid[1]), a: px(ask[0]), A: qty(ask[1]), o: px(m.open), h: px(m.high), l: px(m.low),
        v: qty(m.volume), q: quote,
        O: step.ts - 86_400_000, C: step.ts, F: 1, L: 1, n: 1,
      }),
    ];
  }
}
