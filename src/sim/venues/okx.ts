// OKX, as documented (api/v5 REST, wss://ws.okx.com:8443/ws/v5/public): instruments, the
// `books` channel (a snapshot, then updates chained by seqId/prevSeqId, each with the CRC-32
// of the top 25 levels), `trades` and `tickers`. Subscriptions by {"op":"subscribe","args":[...]},
// acknowledged by {"event":"subscribe","arg":...}; the text "ping" is answered "pong".
import { okxChecksum } from '../../venues/verifiers.js';
import { wireStrings, type ModelStep, type SymbolModel } from './venue-model.js';
import { VenueStandIn, type Connection, type HttpAnswer, type Subscription } from './stand-in.js';

const instId = (symbol: string) => symbol.replace('/', '-');
const CHANNEL_KIND: Record<string, Subscription['kind']> = { books: 'book', trades: 'trades', tickers: 'ticker' };


export class OkxStandIn extends VenueStandIn {
  private seq = 1;

  constructor(seed = 12) {
    super('okx', seed);
  }

  private byInstId(id: string): SymbolModel | undefined {
    return [...this.models.values()].find((m) => instId(m.spec.symbol) === id);
  }

  http(path: string, query: URLSearchParams): HttpAnswer | undefined {
    if (path === '/api/v5/public/instruments') {
      const spot = query.get('instType') === 'SPOT';
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
      const model = this.byInstId(arg.instId ?? '');
      const kind = CHANNEL_KIND[arg.channel ?? ''];
      if (!model || !kind) {
        this.send(conn, JSON.stringify({ event: 'error', code: '60018', msg: `Wrong URL or channel:${arg.channel},instId:${arg.instId} doesn't exist.` }));
        continue;
      }
      if (msg.op === 'unsubscribe') {
        conn.subs = conn.subs.filter((s) => !(s.kind === kind && s.symbol === model.spec.symbol));
        this.send(conn, JSON.stringify({ event: 'unsubscribe', arg, connId: 'standin' }));
        continue;
      }
      // subscribing again to a channel is one subscription, started over with a fresh snapshot
      const sub: Subscription = { kind, symbol: model.spec.symbol, state: {} };
      conn.subs = [...conn.subs.filter((x) => !(x.kind === kind && x.symbol === sub.symbol)), sub];
      this.send(conn, JSON.stringify({ event: 'subscribe', arg, connId: 'standin' }));
      if (kind === 'book') this.sendSnapshot(conn, sub, model);
    }
  }

  private levels(m: SymbolModel, side: 'bid' | 'ask', depth = 400): string[][] {
    return wireStrings(m).levels(side, depth).map((l) => [...l, '0', '1']);
  }

  private sendSnapshot(conn: Connection, sub: Subscription, m: SymbolModel): void {
    const bids = this.levels(m, 'bid');
    const asks = this.levels(m, 'ask');
    const seqId = this.seq++;
    sub.state.seqId = seqId;
    this.send(conn, JSON.stringify({ arg: { channel: 'books', instId: instId(m.spec.symbol) }, action: 'snapshot', data: [{ asks, bids, ts: String(Date.now()), checksum: okxChecksum(bids, asks), prevSeqId: -1, seqId }] }));
  }

  protected framesFor(_conn: Connection, sub: Subscription, step: ModelStep, m: SymbolModel): string[] {
    const s = m.spec;
    const { px, qty, quoteVolume } = wireStrings(m);
    const arg = { channel: sub.kind === 'book' ? 'books' : sub.kind === 'trades' ? 'trades' : 'tickers', instId: instId(s.symbol) };
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
          instType: 'SPOT', instId: arg.instId, last: px(m.last), lastSz: '0', askPx: px(ask[0]), askSz: qty(ask[1]), bidPx: px(bid[0]), bidSz: qty(bid[1]),
          open24h: px(m.open), high24h: px(m.high), low24h: px(m.low), volCcy24h: quoteVolume(), vol24h: qty(m.volume),
          sodUtc0: px(m.open), sodUtc8: px(m.open), ts: String(step.ts),
        }],
      }),
    ];
  }
}
