// OKX, as documented (api/v5 REST, wss://ws.okx.com:8443/ws/v5/public): instruments (SPOT, and
// SWAP: the USDT perpetuals BTC-USDT-SWAP, one contract of one base unit here), the `books`
// channel (a snapshot, then updates chained by seqId/prevSeqId, each with the CRC-32 of the top
// 25 levels), `trades` and `tickers`; for swaps `funding-rate` (on subscribing, then when the
// 8-hour period turns), `mark-price`, `index-tickers` (of the index BTC-USDT) and
// `liquidation-orders` (by instType; here every fourth trade of a swap is one). Subscriptions by
// {"op":"subscribe","args":[...]}, acknowledged by {"event":"subscribe","arg":...}; the text
// "ping" is answered "pong". A swap shares its spot symbol's market.
import { okxChecksum } from '../../venues/verifiers.js';
import { wireStrings, type ModelStep, type SymbolModel } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const instId = (symbol: string) => symbol.replace('/', '-');
const swapId = (symbol: string) => `${instId(symbol)}-SWAP`;
const CHANNEL_KIND: Record<string, Subscription['kind']> = { books: 'book', trades: 'trades', tickers: 'ticker', 'funding-rate': 'funding', 'mark-price': 'funding', 'index-tickers': 'funding' };
/** Channels only a swap has (index-tickers names the index, which is the spot id). */
const SWAP_ONLY = new Set(['funding-rate', 'mark-price']);
const EIGHT_HOURS = 28_800_000;


export class OkxStandIn extends VenueStandIn {
  private seq = 1;

  constructor(seed = 12) {
    super('okx', seed);
  }

  private byInstId(id: string): { model: SymbolModel; swap: boolean } | undefined {
    for (const m of this.models.values()) {
      if (instId(m.spec.symbol) === id) return { model: m, swap: false };
      if (swapId(m.spec.symbol) === id) return { model: m, swap: true };
    }
    return undefined;
  }

  http(path: string, query: URLSearchParams): HttpAnswer | undefined {
    if (path === '/api/v5/public/instruments') {
      const spot = query.get('instType') === 'SPOT';
      if (query.get('instType') === 'SWAP') {
        const data = [...this.models.values()].map(({ spec }) => ({
          instType: 'SWAP', instId: swapId(spec.symbol), uly: instId(spec.symbol), instFamily: instId(spec.symbol), baseCcy: '', quoteCcy: '', settleCcy: spec.quote,
          ctVal: '1', ctMult: '1', ctValCcy: spec.base, optType: '', stk: '', listTime: '1606468572000', expTime: '', lever: '100',
          tickSz: spec.tickSize, lotSz: spec.lotSize, minSz: spec.lotSize, ctType: 'linear', alias: '', state: 'live', maxLmtSz: '100000', maxMktSz: '10000',
        }));
        return { status: 200, body: { code: '0', msg: '', data } };
      }
      return {
        status: 200,
        body: {
          code: '0',
          msg: '',
          data: spot
            ? [...this.models.values()].map(({ spec }) => ({
                instType: 'SPOT', instId: instId(spec.symbol), uly: '', instFamily: '', baseCcy: spec.base, quoteCcy: spec.quote, settleCcy: '',
                ctVal: '', ctMult: '', ctValCcy: '', optType: '', stk: '', listTime: '1606468572000', expTime: '', lever: '10',
                tickSz: spec.tickSize, lotSz: spec.lotSize, minSz: spec.lotSize, ctType: '', alias: '', state: 'live', maxLmtSz: '10000', maxMktSz: '1000000',
              }))
            : [],
        },
      };
    }
    return undefined;
  }

  onMessage(conn: Connection, text: string): void {
    if (text === 'ping') return this.send(conn, 'pong');
    let msg: { op?: string; args?: { channel?: string; instId?: string }[] };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.send(conn, JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}` }));
    }
    if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return this.send(conn, JSON.stringify({ event: 'error', code: '60012', msg: 'Invalid request' }));
    for (const arg of msg.args ?? []) {
      if (arg.channel === 'liquidation-orders') {
        this.liquidationOrders(conn, msg.op, arg as { instType?: string });
        continue;
      }
      const found = this.byInstId(arg.instId ?? '');
      const model = found?.model;
      const kind = CHANNEL_KIND[arg.channel ?? ''];
      const swap = found?.swap ?? false;
      if (!model || !kind || (SWAP_ONLY.has(arg.channel!) && !swap) || (arg.channel === 'index-tickers' && swap)) {
        this.send(conn, JSON.stringify({ event: 'error', code: '60018', msg: `Wrong URL or channel:${arg.channel},instId:${arg.instId} doesn't exist.` }));
        continue;
      }
      // a subscription is one channel of one instrument (a spot and its swap are two)
      const same = (x: Subscription) => x.state.channel === arg.channel && x.state.instId === arg.instId;
      if (msg.op === 'unsubscribe') {
        conn.subs = conn.subs.filter((x) => !same(x));
        this.send(conn, JSON.stringify({ event: 'unsubscribe', arg, connId: 'standin' }));
        continue;
      }
      // subscribing again to a channel is one subscription, started over with a fresh snapshot
      const sub: Subscription = { kind, symbol: model.spec.symbol, state: { channel: arg.channel, instId: arg.instId, swap } };
      conn.subs = [...conn.subs.filter((x) => !same(x)), sub];
      this.send(conn, JSON.stringify({ event: 'subscribe', arg, connId: 'standin' }));
      if (kind === 'book') this.sendSnapshot(conn, sub, model);
      if (arg.channel === 'funding-rate') this.send(conn, this.fundingRate(sub, model, Date.now()));
    }
  }

  /** `liquidation-orders` is subscribed by instrument type: every swap's liquidations. */
  private liquidationOrders(conn: Connection, op: string, arg: { channel?: string; instType?: string }): void {
    if (arg.instType !== 'SWAP') {
      this.send(conn, JSON.stringify({ event: 'error', code: '60018', msg: `Wrong URL or channel:${arg.channel},instType:${arg.instType} doesn't exist.` }));
      return;
    }
    conn.subs = conn.subs.filter((x) => x.state.channel !== 'liquidation-orders');
    if (op === 'subscribe') for (const m of this.models.values()) conn.subs.push({ kind: 'liquidations', symbol: m.spec.symbol, state: { channel: 'liquidation-orders', instId: swapId(m.spec.symbol), swap: true } });
    this.send(conn, JSON.stringify({ event: op, arg, connId: 'standin' }));
  }

  /** The funding rate of the period that ends at the next 8-hour mark: 0.01 %, the base rate. */
  private fundingRate(sub: Subscription, m: SymbolModel, ts: number): string {
    const next = Math.ceil((ts + 1) / EIGHT_HOURS) * EIGHT_HOURS;
    sub.state.fundingTime = next;
    return JSON.stringify({
      arg: { channel: 'funding-rate', instId: swapId(m.spec.symbol) },
      data: [{ instType: 'SWAP', instId: swapId(m.spec.symbol), method: 'current_period', fundingRate: '0.0001', fundingTime: String(next), nextFundingRate: '', nextFundingTime: String(next + EIGHT_HOURS), minFundingRate: '-0.0075', maxFundingRate: '0.0075', settState: 'settled', settFundingRate: '0.0001', premium: '0.0000', ts: String(ts) }],
    });
  }

  private levels(m: SymbolModel, side: 'bid' | 'ask', depth = 400): string[][] {
    return wireStrings(m).levels(side, depth).map((l) => [...l, '0', '1']);
  }

  private sendSnapshot(conn: Connection, sub: Subscription, m: SymbolModel): void {
    const bids = this.levels(m, 'bid');
    const asks = this.levels(m, 'ask');
    const seqId = this.seq++;
    sub.state.seqId = seqId;
    this.send(conn, JSON.stringify({ arg: { channel: 'books', instId: sub.state.instId }, action: 'snapshot', data: [{ asks, bids, ts: String(Date.now()), checksum: okxChecksum(bids, asks), prevSeqId: -1, seqId }] }));
  }

  protected framesFor(_conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const s = m.spec;
    const { px, qty, quoteVolume } = wireStrings(m);
    const channel = sub.state.channel as string;
    const arg = { channel, instId: sub.state.instId as string };
    if (channel === 'funding-rate') return (sub.state.fundingTime as number) <= step.ts ? [this.fundingRate(sub, m, step.ts)] : [];
    if (channel === 'mark-price') return [JSON.stringify({ arg, data: [{ instType: 'SWAP', instId: arg.instId, markPx: px(m.last), ts: String(step.ts) }] })];
    if (channel === 'index-tickers') {
      return [JSON.stringify({ arg, data: [{ instId: arg.instId, idxPx: px(m.open), high24h: px(m.high), low24h: px(m.low), open24h: px(m.open), sodUtc0: px(m.open), sodUtc8: px(m.open), ts: String(step.ts) }] })];
    }
    if (channel === 'liquidation-orders') {
      // side: the liquidation order's (a long's position is closed by a sell); bkPx: the bankruptcy price
      const data = step.trades.filter((t) => t.id % 4 === 0).map((t) => ({
        instType: 'SWAP', instId: arg.instId, uly: instId(s.symbol), instFamily: instId(s.symbol),
        details: [{ side: t.takerSide, posSide: t.takerSide === 'sell' ? 'long' : 'short', bkPx: px(t.price), sz: qty(t.size), bkLoss: '0', ccy: '', ts: String(t.ts) }],
      }));
      return data.map((d) => JSON.stringify({ arg: { channel, instType: 'SWAP' }, data: [d] }));
    }
    if (sub.kind === 'book') {
      const side = (name: 'bid' | 'ask') => step.changes.filter((c) => c.side === name).map((c) => [px(c.price), qty(c.size), '0', c.size ? '1' : '0']);
      const prevSeqId = sub.state.seqId as number;
      const seqId = this.seq++;
      sub.state.seqId = seqId;
      const checksum = okxChecksum(this.levels(m, 'bid', 25), this.levels(m, 'ask', 25)) + (this.takeBadChecksum() ? 1 : 0);
      return [JSON.stringify({ arg, action: 'update', data: [{ asks: side('ask'), bids: side('bid'), ts: String(step.ts), checksum, prevSeqId, seqId }] })];
    }
    if (sub.kind === 'trades') {
      return step.trades.map((t) => JSON.stringify({ arg, data: [{ instId: arg.instId, tradeId: String(t.id), px: px(t.price), sz: qty(t.size), side: t.takerSide, ts: String(t.ts), count: '1' }] }));
    }
    const bid = m.levels('bid', 1)[0]!;
    const ask = m.levels('ask', 1)[0]!;
    return [
      JSON.stringify({
        arg,
        data: [{
          instType: sub.state.swap ? 'SWAP' : 'SPOT', instId: arg.instId, last: px(m.last), lastSz: '0', askPx: px(ask[0]), askSz: qty(ask[1]), bidPx: px(bid[0]), bidSz: qty(bid[1]),
          open24h: px(m.open), high24h: px(m.high), low24h: px(m.low), volCcy24h: quoteVolume(), vol24h: qty(m.volume),
          sodUtc0: px(m.open), sodUtc8: px(m.open), ts: String(step.ts),
        }],
      }),
    ];
  }
}
