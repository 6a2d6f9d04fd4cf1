// Bybit v5, as documented (REST /v5/market/instruments-info, wss://stream.bybit.com/v5/public/spot
// and /v5/public/linear): `orderbook.{depth}.{symbol}` (a snapshot, then deltas whose update id `u`
// goes up by one), `publicTrade.{symbol}`, `tickers.{symbol}` (linear: a snapshot, then deltas of
// what changed, with mark and index price, funding rate and next funding time), and on linear
// `allLiquidation.{symbol}` (here every fourth trade is one). Subscriptions by
// {"op":"subscribe","args":[...]}, acknowledged with {"success":true,"op":"subscribe"};
// {"op":"ping"} is answered with a pong. The USDT perpetuals share the spot symbols' markets.
import { decimalsOf, wireStrings, type ModelStep, type SymbolModel } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const wire = (symbol: string) => symbol.replace('/', '');

export class BybitStandIn extends VenueStandIn {
  constructor(seed = 13) {
    super('bybit', seed);
  }

  private bySymbol(id: string): SymbolModel | undefined {
    return [...this.models.values()].find((m) => wire(m.spec.symbol) === id);
  }

  http(path: string, query: URLSearchParams): HttpAnswer | undefined {
    if (path !== '/v5/market/instruments-info') return undefined;
    const category = query.get('category');
    const specs = [...this.models.values()].map((m) => m.spec);
    const list =
      category === 'spot'
        ? specs.map((spec) => ({
            symbol: wire(spec.symbol), baseCoin: spec.base, quoteCoin: spec.quote, innovation: '0', status: 'Trading', marginTrading: 'none',
            lotSizeFilter: { basePrecision: spec.lotSize, quotePrecision: '0.00000001', minOrderQty: spec.lotSize, maxOrderQty: '10000', minOrderAmt: '1', maxOrderAmt: '2000000' },
            priceFilter: { tickSize: spec.tickSize },
          }))
        : category === 'linear' && query.get('status') !== 'PreLaunch'
          ? specs.map((spec) => ({
              symbol: wire(spec.symbol), contractType: 'LinearPerpetual', status: 'Trading', baseCoin: spec.base, quoteCoin: spec.quote, settleCoin: spec.quote,
              launchTime: '1584230400000', deliveryTime: '0', deliveryFeeRate: '', priceScale: String(decimalsOf(spec.tickSize)),
              leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
              priceFilter: { minPrice: spec.tickSize, maxPrice: '1999999.80', tickSize: spec.tickSize },
              lotSizeFilter: { maxOrderQty: '1000', maxMktOrderQty: '100', minOrderQty: spec.lotSize, qtyStep: spec.lotSize, postOnlyMaxOrderQty: '1000', minNotionalValue: '5' },
              unifiedMarginTrade: true, fundingInterval: 480, copyTrading: 'both', upperFundingRate: '0.00375', lowerFundingRate: '-0.00375', isPreListing: false, preListingInfo: null,
            }))
          : [];
    return { status: 200, body: { retCode: 0, retMsg: 'OK', result: { category: category ?? '', list, nextPageCursor: '' }, retExtInfo: {}, time: Date.now() } };
  }

  onMessage(conn: Connection, text: string): void {
    let msg: { op?: string; args?: string[]; req_id?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ success: false, ret_msg: 'error:invalid json', op: '' }));
    }
    if (msg.op === 'ping') return this.send(conn, JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'standin', req_id: msg.req_id, op: 'ping' }));
    if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return this.send(conn, JSON.stringify({ success: false, ret_msg: `error:unknown op ${String(msg.op)}`, op: msg.op }));
    const subscribed: { sub: Subscription; model: SymbolModel }[] = [];
    for (const topic of msg.args ?? []) {
      const parts = topic.split('.');
      const model = this.bySymbol(parts[parts.length - 1] ?? '');
      const linear = conn.path.includes('/linear');
      const kind =
        parts[0] === 'orderbook' ? 'book'
        : parts[0] === 'publicTrade' ? 'trades'
        : parts[0] === 'tickers' ? 'ticker'
        : parts[0] === 'allLiquidation' && linear ? 'liquidations'
        : undefined;
      if (!model || !kind) return this.send(conn, JSON.stringify({ success: false, ret_msg: `error:handler not found,topic:${topic}`, conn_id: 'standin', req_id: msg.req_id, op: msg.op }));
      conn.subs = conn.subs.filter((s) => !(s.kind === kind && s.symbol === model.spec.symbol));
      if (msg.op === 'subscribe') {
        const sub: Subscription = { kind, symbol: model.spec.symbol, state: { topic, linear } };
        conn.subs.push(sub);
        subscribed.push({ sub, model });
      }
    }
    this.send(conn, JSON.stringify({ success: true, ret_msg: '', conn_id: 'standin', req_id: msg.req_id, op: msg.op }));
    for (const { sub, model } of subscribed) if (sub.kind === 'book') this.sendSnapshot(conn, sub, model);
  }

  private sendSnapshot(conn: Connection, sub: Subscription, m: SymbolModel): void {
    const side = (s: 'bid' | 'ask') => wireStrings(m).levels(s, 200);
    sub.state.u = m.updateId;
    const now = Date.now();
    this.send(conn, JSON.stringify({ topic: sub.state.topic, type: 'snapshot', ts: now, data: { s: wire(m.spec.symbol), b: side('bid'), a: side('ask'), u: m.updateId, seq: m.updateId }, cts: now }));
  }

  protected framesFor(_conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const s = m.spec;
    const { px, qty, changes, quoteVolume } = wireStrings(m);
    if (sub.kind === 'book') {
      const side = (name: 'bid' | 'ask') => changes(step, name);
      const u = (sub.state.u as number) + 1;
      sub.state.u = u;
      return [JSON.stringify({ topic: sub.state.topic, type: 'delta', ts: step.ts, data: { s: wire(s.symbol), b: side('bid'), a: side('ask'), u, seq: step.updateId }, cts: step.ts })];
    }
    if (sub.kind === 'liquidations') {
      // S is the liquidated position's side: a long (Buy) is closed by a sell
      const data = step.trades.filter((t) => t.id % 4 === 0).map((t) => ({ T: t.ts, s: wire(s.symbol), S: t.takerSide === 'sell' ? 'Buy' : 'Sell', v: qty(t.size), p: px(t.price) }));
      return data.length ? [JSON.stringify({ topic: sub.state.topic, type: 'snapshot', ts: step.ts, data })] : [];
    }
    if (sub.kind === 'trades') {
      if (!step.trades.length) return [];
      return [JSON.stringify({ topic: sub.state.topic, type: 'snapshot', ts: step.ts, data: step.trades.map((t) => ({ T: t.ts, s: wire(s.symbol), S: t.takerSide === 'buy' ? 'Buy' : 'Sell', v: qty(t.size), p: px(t.price), L: 'ZeroPlusTick', i: String(t.id), BT: false })) })];
    }
    if (sub.state.linear) return [this.linearTicker(sub, step, m)];
    return [
      JSON.stringify({
        topic: sub.state.topic, ts: step.ts, type: 'snapshot', cs: step.updateId,
        data: { symbol: wire(s.symbol), lastPrice: px(m.last), highPrice24h: px(m.high), lowPrice24h: px(m.low), prevPrice24h: px(m.open), volume24h: qty(m.volume), turnover24h: quoteVolume(), price24hPcnt: '0', usdIndexPrice: px(m.last) },
      }),
    ];
  }

  /** A linear ticker: every field first, then only what moves (funding fields when the period turns). */
  private linearTicker(sub: Subscription, step: ModelStep, m: SymbolModel): string {
    const { px, qty, quoteVolume } = wireStrings(m);
    const bid = m.levels('bid', 1)[0]!;
    const ask = m.levels('ask', 1)[0]!;
    const next = Math.ceil((step.ts + 1) / 28_800_000) * 28_800_000;
    const moving = { lastPrice: px(m.last), markPrice: px(m.last), indexPrice: px(m.open), bid1Price: px(bid[0]), bid1Size: qty(bid[1]), ask1Price: px(ask[0]), ask1Size: qty(ask[1]), volume24h: qty(m.volume), turnover24h: quoteVolume() };
    const funding = { fundingRate: '0.0001', nextFundingTime: String(next) };
    const first = sub.state.nextFunding === undefined;
    const turned = sub.state.nextFunding !== next;
    sub.state.nextFunding = next;
    const data = first
      ? { symbol: wire(m.spec.symbol), tickDirection: 'PlusTick', price24hPcnt: '0', highPrice24h: px(m.high), lowPrice24h: px(m.low), prevPrice24h: px(m.open), prevPrice1h: px(m.open), openInterest: '0', openInterestValue: '0', ...moving, ...funding }
      : { symbol: wire(m.spec.symbol), ...moving, ...(turned ? funding : {}) };
    return JSON.stringify({ topic: sub.state.topic, type: first ? 'snapshot' : 'delta', data, cs: step.updateId, ts: step.ts });
  }
}
