// Coinbase Advanced Trade, as documented (REST /api/v3/brokerage/market/products, /v2/currencies,
// WebSocket wss://advanced-trade-ws.coinbase.com): {"type":"subscribe","product_ids":[...],
// "channel":...} answered on the `subscriptions` channel; every message carries the connection's
// `sequence_num` (one counter for all channels, from 0 on each new socket). `level2` (messages on
// `l2_data`): a snapshot of the whole book, then updates of price levels (new_quantity "0"
// removes), sides "bid" and "offer". `market_trades`, `ticker`. Prices and sizes are strings.
import { wireStrings, type ModelStep, type SymbolModel, type VenueSymbol } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const CHANNEL_KIND: Record<string, Subscription['kind']> = { level2: 'book', market_trades: 'trades', ticker: 'ticker' };
const productId = (s: VenueSymbol) => `${s.base}-${s.quote}`;
type Level = readonly ['bid' | 'offer', number, number];

export class CoinbaseStandIn extends VenueStandIn {
  private readonly sequence = new WeakMap<Connection, number>();

  constructor(seed = 16) {
    super('coinbase', seed);
  }

  http(path: string, query: URLSearchParams): HttpAnswer | undefined {
    if (path === '/api/v3/brokerage/market/products') {
      // spot only: the FUTURE product types are empty here
      const products = query.get('product_type') ? [] : [...this.models.values()].map((m) => this.product(m));
      return { status: 200, body: { products, num_products: products.length } };
    }
    if (path === '/v2/currencies' || path === '/v2/currencies/crypto') return { status: 200, body: { data: [] } };
    if (path === '/v2/exchange-rates') return { status: 200, body: { data: { currency: 'USD', rates: {} } } };
    return undefined;
  }

  private product(m: SymbolModel) {
    const s = m.spec;
    const { px } = wireStrings(m);
    return {
      product_id: productId(s), price: px(m.last), price_percentage_change_24h: '0', volume_24h: '0', volume_percentage_change_24h: '0',
      base_increment: s.lotSize, quote_increment: s.tickSize, price_increment: s.tickSize, quote_min_size: '1', quote_max_size: '10000000', base_min_size: s.lotSize, base_max_size: '10000',
      base_name: s.base, quote_name: s.quote, watched: false, is_disabled: false, new: false, status: 'online', cancel_only: false, limit_only: false, post_only: false, trading_disabled: false,
      auction_mode: false, product_type: 'SPOT', quote_currency_id: s.quote, base_currency_id: s.base, fcm_trading_session_details: null, mid_market_price: '', alias: '', alias_to: [], base_display_symbol: s.base, quote_display_symbol: s.quote,
    };
  }

  /** One message of the connection, numbered. */
  private message(conn: Connection, channel: string, events: string, ts = Date.now()): string {
    const n = this.sequence.get(conn) ?? 0;
    this.sequence.set(conn, n + 1);
    return `{"channel":"${channel}","client_id":"","timestamp":"${new Date(ts).toISOString()}","sequence_num":${n},"events":[${events}]}`;
  }

  onMessage(conn: Connection, text: string): void {
    let msg: { type?: string; product_ids?: string[]; channel?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ type: 'error', message: 'failure to parse request' }));
    }
    const kind = CHANNEL_KIND[msg.channel ?? ''];
    if ((msg.type !== 'subscribe' && msg.type !== 'unsubscribe') || !kind) return this.send(conn, JSON.stringify({ type: 'error', message: `unknown ${msg.type === 'subscribe' || msg.type === 'unsubscribe' ? `channel ${String(msg.channel)}` : `type ${String(msg.type)}`}` }));
    const models = (msg.product_ids ?? []).map((id) => [...this.models.values()].find((m) => productId(m.spec) === id));
    if (!models.length || models.some((m) => !m)) return this.send(conn, JSON.stringify({ type: 'error', message: 'invalid product_ids' }));
    for (const m of models) conn.subs = conn.subs.filter((s) => !(s.kind === kind && s.symbol === m!.spec.symbol));
    if (msg.type === 'subscribe') for (const m of models) conn.subs.push({ kind, symbol: m!.spec.symbol, state: {} });
    const byChannel: Record<string, string[]> = {};
    for (const s of conn.subs) (byChannel[Object.keys(CHANNEL_KIND).find((c) => CHANNEL_KIND[c] === s.kind)!] ??= []).push(productId(this.models.get(s.symbol)!.spec));
    this.send(conn, this.message(conn, 'subscriptions', `{"subscriptions":${JSON.stringify(byChannel)}}`));
    if (msg.type !== 'subscribe') return;
    for (const m of models) {
      if (kind === 'book') {
        const levels: Level[] = [...m!.levels('bid').map(([p, q]): Level => ['bid', p, q]), ...m!.levels('ask').map(([p, q]): Level => ['offer', p, q])];
        this.send(conn, this.message(conn, 'l2_data', this.bookEvent(m!, 'snapshot', levels, Date.now())));
      }
      if (kind === 'trades') this.send(conn, this.message(conn, 'market_trades', '{"type":"snapshot","trades":[]}'));
    }
  }

  private bookEvent(m: SymbolModel, type: 'snapshot' | 'update', levels: readonly Level[], ts: number): string {
    const { px, qty } = wireStrings(m);
    const time = new Date(ts).toISOString();
    const updates = levels.map(([side, p, q]) => `{"side":"${side}","event_time":"${time}","price_level":"${px(p)}","new_quantity":"${qty(q)}"}`);
    return `{"type":"${type}","product_id":"${productId(m.spec)}","updates":[${updates.join(',')}]}`;
  }

  protected framesFor(conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const { px, qty } = wireStrings(m);
    const id = productId(m.spec);
    if (sub.kind === 'book') {
      if (!step.changes.length) return [];
      return [this.message(conn, 'l2_data', this.bookEvent(m, 'update', step.changes.map((c): Level => [c.side === 'bid' ? 'bid' : 'offer', c.price, c.size]), step.ts), step.ts)];
    }
    if (sub.kind === 'trades') {
      if (!step.trades.length) return [];
      // newest first, as Coinbase sends them
      const trades = [...step.trades].reverse().map((t) => `{"trade_id":"${t.id}","product_id":"${id}","price":"${px(t.price)}","size":"${qty(t.size)}","side":"${t.takerSide.toUpperCase()}","time":"${new Date(t.ts).toISOString()}"}`);
      return [this.message(conn, 'market_trades', `{"type":"update","trades":[${trades.join(',')}]}`, step.ts)];
    }
    const [bid] = m.levels('bid', 1);
    const [ask] = m.levels('ask', 1);
    const pct = (((m.last - m.open) / m.open) * 100).toFixed(4);
    return [this.message(conn, 'ticker', `{"type":"update","tickers":[{"type":"ticker","product_id":"${id}","price":"${px(m.last)}","volume_24_h":"${qty(m.volume)}","low_24_h":"${px(m.low)}","high_24_h":"${px(m.high)}","low_52_w":"${px(m.low)}","high_52_w":"${px(m.high)}","price_percent_chg_24_h":"${pct}","best_bid":"${px(bid![0])}","best_bid_quantity":"${qty(bid![1])}","best_ask":"${px(ask![0])}","best_ask_quantity":"${qty(ask![1])}"}]}`, step.ts)];
  }
}
