// Bitfinex, as documented (REST /v2/conf/..., wss://api-pub.bitfinex.com/ws/2): an info event on
// open; {"event":"subscribe"} answered with "subscribed" and a channel id, a second subscribe of
// the same channel with error 10301; frames are arrays led by the channel id. `book` (P0): a
// snapshot of [price, count, amount] (amount < 0 for asks), then one level per frame, the book
// kept at the subscribed length (a level leaving it sent with count 0); with the conf flag 131072,
// ["cs", CRC-32] of the top 25 levels after each update. `trades`: "te" frames [id, ms, amount,
// price] (amount < 0: the taker sold). `ticker`: [bid, bid size, ask, ask size, change, relative
// change, last, volume, high, low]. Prices have at most 5 significant digits.
import { crc32 } from '../../domain/crc32.js';
import { decimalOf } from '../../venues/exact.js';
import { VENUE_SYMBOLS, viewChanges, wireStrings, type DepthView, type ModelStep, type SymbolModel, type VenueSymbol } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const CHECKSUM_FLAG = 131072;
const LENGTHS = [1, 25, 100, 250];
const KIND: Record<string, Subscription['kind']> = { book: 'book', trades: 'trades', ticker: 'ticker' };
/** Five significant digits: the venue's ticks at these prices. */
const TICKS: Record<string, Pick<VenueSymbol, 'tickSize' | 'midTicks'>> = {
  'BTC/USDT': { tickSize: '1', midTicks: 64_000 },
  'ETH/USDT': { tickSize: '0.1', midTicks: 34_000 },
  'SOL/USDT': { tickSize: '0.01', midTicks: 15_000 },
};
const currencyId = (code: string) => (code === 'USDT' ? 'UST' : code);
const pairId = (s: VenueSymbol) => `${s.base}${currencyId(s.quote)}`;

/** What ccxt makes of a number on the wire, for the checksum: JSON 3400.0 is "3400". */
const canonical = (s: string) => decimalOf(Number(s));

export class BitfinexStandIn extends VenueStandIn {
  private readonly sessions = new WeakMap<Connection, { flags: number; nextChannel: number }>();

  constructor(seed = 15) {
    super('bitfinex', seed, VENUE_SYMBOLS.map((s) => ({ ...s, ...TICKS[s.symbol] })));
  }

  private session(conn: Connection) {
    let s = this.sessions.get(conn);
    if (!s) this.sessions.set(conn, (s = { flags: 0, nextChannel: 17 }));
    return s;
  }

  override greet(conn: Connection): void {
    this.send(conn, JSON.stringify({ event: 'info', version: 2, serverId: 'stand-in', platform: { status: 1 } }));
  }

  http(path: string): HttpAnswer | undefined {
    const m = /^\/v2\/conf\/(.+)$/.exec(decodeURIComponent(path));
    if (!m) return undefined;
    const specs = [...this.models.values()].map((x) => x.spec);
    const answer = (label: string): unknown => {
      if (label === 'pub:info:pair') return specs.map((s) => [pairId(s), [null, null, null, s.lotSize, '2000.0', null, null, null, 0.2, 0.1]]);
      if (label === 'pub:list:currency') return [...new Set(specs.flatMap((s) => [s.base, currencyId(s.quote)]))];
      if (label.startsWith('pub:')) return [];
      return undefined;
    };
    const labels = m[1]!.split(',');
    const answers = labels.map(answer);
    if (answers.some((a) => a === undefined)) return { status: 500, body: ['error', 10020, 'conf: invalid'] };
    return { status: 200, body: answers };
  }

  onMessage(conn: Connection, text: string): void {
    let msg: { event?: string; channel?: string; symbol?: string; prec?: string; len?: number | string; chanId?: number; flags?: number };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ event: 'error', msg: 'invalid json', code: 10000 }));
    }
    const session = this.session(conn);
    if (msg.event === 'conf') {
      session.flags = Number(msg.flags) || 0;
      return this.send(conn, JSON.stringify({ event: 'conf', status: 'OK', flags: session.flags }));
    }
    if (msg.event === 'ping') return this.send(conn, JSON.stringify({ event: 'pong', ts: Date.now() }));
    if (msg.event === 'unsubscribe') {
      const chanId = Number(msg.chanId); // ccxt sends it as a string
      const sub = conn.subs.find((s) => s.state.channel === chanId);
      if (!sub) return this.send(conn, JSON.stringify({ event: 'error', msg: 'unsubscribe: invalid', code: 10400, chanId }));
      conn.subs = conn.subs.filter((s) => s !== sub);
      return this.send(conn, JSON.stringify({ event: 'unsubscribed', status: 'OK', chanId }));
    }
    if (msg.event !== 'subscribe') return this.send(conn, JSON.stringify({ event: 'error', msg: `unknown event: ${String(msg.event)}`, code: 10000 }));
    const kind = KIND[msg.channel ?? ''];
    const model = [...this.models.values()].find((x) => `t${pairId(x.spec)}` === msg.symbol);
    const len = Number(msg.len ?? 25);
    const refuse = !kind ? { msg: 'subscribe: invalid', code: 10300 } : !model ? { msg: 'symbol: invalid', code: 10300 } : kind === 'book' && (msg.prec ?? 'P0') !== 'P0' ? { msg: 'prec: invalid', code: 10300 } : kind === 'book' && !LENGTHS.includes(len) ? { msg: 'len: invalid', code: 10300 } : undefined;
    if (refuse) return this.send(conn, JSON.stringify({ event: 'error', ...refuse, channel: msg.channel, symbol: msg.symbol }));
    if (conn.subs.some((s) => s.kind === kind && s.symbol === model!.spec.symbol)) return this.send(conn, JSON.stringify({ event: 'error', msg: 'subscribe: dup', code: 10301, channel: msg.channel, symbol: msg.symbol }));
    const channel = session.nextChannel++;
    const sub: Subscription = { kind: kind!, symbol: model!.spec.symbol, state: { channel, len } };
    conn.subs.push(sub);
    const pair = pairId(model!.spec);
    this.send(conn, JSON.stringify({ event: 'subscribed', channel: msg.channel, chanId: channel, symbol: `t${pair}`, pair, ...(kind === 'book' ? { prec: 'P0', freq: 'F0', len: String(len) } : {}) }));
    if (kind === 'book') this.send(conn, this.bookFrames(conn, sub, model!, true)[0]!);
    if (kind === 'trades') this.send(conn, `[${channel},[]]`);
  }

  /** The book at the subscribed length: the snapshot, or one frame per changed level and the checksum. */
  private bookFrames(conn: Connection, sub: Subscription, m: SymbolModel, snapshot: boolean): string[] {
    const view = viewChanges(m, sub.state.len as number, snapshot ? undefined : (sub.state.view as DepthView | undefined));
    sub.state.view = view.now;
    const { px, qty } = wireStrings(m);
    const count = (q: number) => (q === 0 ? 0 : 1 + (q % 7));
    const level = ([p, q]: [number, number], sign: '' | '-') => `[${px(p)},${count(q)},${q === 0 ? `${sign}1` : `${sign}${qty(q)}`}]`;
    const channel = sub.state.channel as number;
    const levels = [...view.bids.map((l) => level(l, '')), ...view.asks.map((l) => level(l, '-'))];
    if (snapshot) return [`[${channel},[${levels.join(',')}]]`];
    if (!levels.length) return [];
    const frames = levels.map((l) => `[${channel},${l}]`);
    if (this.session(conn).flags & CHECKSUM_FLAG) {
      const bids = [...view.now.bids];
      const asks = [...view.now.asks];
      const parts: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (bids[i]) parts.push(canonical(px(bids[i]![0])), canonical(qty(bids[i]![1])));
        if (asks[i]) parts.push(canonical(px(asks[i]![0])), canonical(`-${qty(asks[i]![1])}`));
      }
      const checksum = (crc32(parts.join(':')) + (this.takeBadChecksum() ? 1 : 0)) | 0;
      frames.push(`[${channel},"cs",${checksum}]`);
    }
    return frames;
  }

  protected framesFor(conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const { px, qty } = wireStrings(m);
    const channel = sub.state.channel as number;
    if (sub.kind === 'book') return this.bookFrames(conn, sub, m, false);
    if (sub.kind === 'trades') return step.trades.map((t) => `[${channel},"te",[${t.id},${t.ts},${t.takerSide === 'sell' ? '-' : ''}${qty(t.size)},${px(t.price)}]]`);
    const [bid] = m.levels('bid', 1);
    const [ask] = m.levels('ask', 1);
    const relative = Number(((m.last - m.open) / m.open).toFixed(4));
    return [`[${channel},[${px(bid![0])},${qty(bid![1])},${px(ask![0])},${qty(ask![1])},${px(m.last - m.open)},${relative},${px(m.last)},${qty(m.volume)},${px(m.high)},${px(m.low)}]]`];
  }
}
