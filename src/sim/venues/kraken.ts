// Kraken, as documented (REST /0/public/AssetPairs and Assets, wss://ws.kraken.com/v2): channels
// `book` (a snapshot of the depth asked for, then updates that keep the client's book at that depth:
// a level leaving it is removed, one entering it is sent; each with the CRC-32 of the top 10),
// `trade` and `ticker`. Prices and sizes are JSON numbers. {"method":"subscribe","params":{...}}
// is acknowledged with success; {"method":"ping"} is answered with a pong.
import { krakenChecksum } from '../../venues/verifiers.js';
import { decimalsOf, viewChanges, wireStrings, type DepthView, type ModelStep, type SymbolModel } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const CHANNEL_KIND: Record<string, Subscription['kind']> = { book: 'book', trade: 'trades', ticker: 'ticker' };
const DEPTHS = [10, 25, 100, 500, 1000];
/** Kraken's asset ids: BTC is XBT, and the old majors carry an X. */
const ASSET: Record<string, { id: string; altname: string }> = { BTC: { id: 'XXBT', altname: 'XBT' }, ETH: { id: 'XETH', altname: 'ETH' } };
const asset = (code: string) => ASSET[code] ?? { id: code, altname: code };

export class KrakenStandIn extends VenueStandIn {
  constructor(seed = 14) {
    super('kraken', seed);
  }

  http(path: string): HttpAnswer | undefined {
    const specs = [...this.models.values()].map((m) => m.spec);
    if (path === '/0/public/Assets') {
      const codes = [...new Set(specs.flatMap((s) => [s.base, s.quote]))];
      const result = Object.fromEntries(codes.map((c) => [asset(c).id, { aclass: 'currency', altname: asset(c).altname, decimals: 10, display_decimals: 8, status: 'enabled' }]));
      return { status: 200, body: { error: [], result } };
    }
    if (path === '/0/public/AssetPairs') {
      const result = Object.fromEntries(
        specs.map((s) => {
          const alt = `${asset(s.base).altname}${s.quote}`;
          return [alt, {
            altname: alt, wsname: `${asset(s.base).altname}/${s.quote}`, aclass_base: 'currency', base: asset(s.base).id, aclass_quote: 'currency', quote: asset(s.quote).id,
            lot: 'unit', cost_decimals: 5, pair_decimals: decimalsOf(s.tickSize), lot_decimals: decimalsOf(s.lotSize), lot_multiplier: 1, leverage_buy: [], leverage_sell: [],
            fees: [[0, 0.26]], fees_maker: [[0, 0.16]], fee_volume_currency: 'ZUSD', margin_call: 80, margin_stop: 40, ordermin: s.lotSize, costmin: '0.5', tick_size: s.tickSize, status: 'online',
          }];
        }),
      );
      return { status: 200, body: { error: [], result } };
    }
    return undefined;
  }

  onMessage(conn: Connection, text: string): void {
    let msg: { method?: string; params?: { channel?: string; symbol?: string[]; depth?: number }; req_id?: number };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ error: 'Malformed request', method: 'unknown', success: false }));
    }
    const stamp = new Date().toISOString();
    if (msg.method === 'ping') return this.send(conn, JSON.stringify({ method: 'pong', req_id: msg.req_id, time_in: stamp, time_out: stamp }));
    if (msg.method !== 'subscribe' && msg.method !== 'unsubscribe') return this.send(conn, JSON.stringify({ error: `Unsupported method ${String(msg.method)}`, method: msg.method, success: false, req_id: msg.req_id }));
    const kind = CHANNEL_KIND[msg.params?.channel ?? ''];
    const depth = msg.params?.depth ?? 10;
    for (const symbol of msg.params?.symbol ?? []) {
      const model = this.models.get(symbol);
      const refuse = !kind ? 'Channel not found' : !model ? `Currency pair not supported ${symbol}` : kind === 'book' && !DEPTHS.includes(depth) ? 'Invalid depth' : undefined;
      if (refuse) {
        this.send(conn, JSON.stringify({ error: refuse, method: msg.method, req_id: msg.req_id, success: false, symbol, time_in: stamp, time_out: stamp }));
        continue;
      }
      conn.subs = conn.subs.filter((s) => !(s.kind === kind && s.symbol === symbol));
      const result = { channel: msg.params!.channel, symbol, ...(kind === 'book' ? { depth, snapshot: true } : {}) };
      if (msg.method === 'unsubscribe') {
        this.send(conn, JSON.stringify({ method: 'unsubscribe', req_id: msg.req_id, result, success: true, time_in: stamp, time_out: stamp }));
        continue;
      }
      const sub: Subscription = { kind: kind!, symbol, state: { depth } };
      conn.subs.push(sub);
      this.send(conn, JSON.stringify({ method: 'subscribe', req_id: msg.req_id, result, success: true, time_in: stamp, time_out: stamp }));
      if (kind === 'book') this.send(conn, this.bookFrame(sub, model!, 'snapshot', Date.now())!);
    }
  }

  /** The book kept at the subscribed depth: a snapshot, or an update with what changed in it since the last frame (undefined: nothing did). */
  private bookFrame(sub: Subscription, m: SymbolModel, type: 'snapshot' | 'update', ts: number): string | undefined {
    const view = viewChanges(m, sub.state.depth as number, type === 'snapshot' ? undefined : (sub.state.view as DepthView | undefined));
    sub.state.view = view.now;
    if (type === 'update' && !view.bids.length && !view.asks.length) return undefined;
    const { px, qty } = wireStrings(m);
    const levels = (ls: [number, number][]) => ls.map(([p, q]) => `{"price":${px(p)},"qty":${qty(q)}}`).join(',');
    const checksum = (krakenChecksum([...view.now.bids], [...view.now.asks]) + (type === 'update' && this.takeBadChecksum() ? 1 : 0)) >>> 0;
    const time = type === 'update' ? `,"timestamp":"${new Date(ts).toISOString()}"` : '';
    return `{"channel":"book","type":"${type}","data":[{"symbol":"${m.spec.symbol}","bids":[${levels(view.bids)}],"asks":[${levels(view.asks)}],"checksum":${checksum}${time}}]}`;
  }

  protected framesFor(_conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const { px, qty } = wireStrings(m);
    const symbol = m.spec.symbol;
    if (sub.kind === 'book') {
      const f = this.bookFrame(sub, m, 'update', step.ts);
      return f ? [f] : [];
    }
    if (sub.kind === 'trades') {
      if (!step.trades.length) return [];
      const data = step.trades.map((t) => `{"symbol":"${symbol}","side":"${t.takerSide}","price":${px(t.price)},"qty":${qty(t.size)},"ord_type":"limit","trade_id":${t.id},"timestamp":"${new Date(t.ts).toISOString()}"}`);
      return [`{"channel":"trade","type":"update","data":[${data.join(',')}]}`];
    }
    const [bid] = m.levels('bid', 1);
    const [ask] = m.levels('ask', 1);
    // the day's average price, to the tick (ccxt makes the quote volume volume × vwap)
    const vwap = px(m.volume ? Number(m.quoteVolume / BigInt(m.volume)) : m.last);
    const change = px(m.last - m.open);
    return [
      `{"channel":"ticker","type":"update","data":[{"symbol":"${symbol}","bid":${px(bid![0])},"bid_qty":${qty(bid![1])},"ask":${px(ask![0])},"ask_qty":${qty(ask![1])},"last":${px(m.last)},"volume":${qty(m.volume)},"vwap":${vwap},"low":${px(m.low)},"high":${px(m.high)},"change":${change},"change_pct":0}]}`,
    ];
  }
}
