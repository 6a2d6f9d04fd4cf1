// The multiplexed WebSocket at /ws (uWebSockets.js). Live clients read streams as uWS topics:
// each message serialised once by the hub and published, never per client. A client whose
// streams carry more than its budget (WS_RATE_MAX_MSGS_PER_SEC) is moved to catch-up mode: off
// the topics, and sent every stream's merged state on a timer (book deltas merged by level, the
// latest ticker/kline/mark, every trade in one message), so its book never diverges. It goes
// back to live once its streams calm down. Close codes and limits: docs/API.md.
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { Config } from '../config.js';
import type { MarketView } from '../market/market-view.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { catchUpOne, type CatchUpReaders, type CatchUpSub } from './catchup-readers.js';
import type { MarketHub } from './market-hub.js';
import { resolveStream } from './stream-resolver.js';
import { CLOSE, frame, type RequestId } from '../contract/ws-frames.js';
import { parseClientFrame, ProtocolError, type ClientOp } from './ws-protocol.js';
import { overBudget, type Buffered } from './send-budget.js';

export { CLOSE };

/** Ops a connection may send per second before they are refused, and before it is closed. */
const OPS_PER_SECOND = 50;
const FLOOD_OPS_PER_SECOND = 500;

interface Conn {
  id: number;
  subs: Map<string, CatchUpSub>;
  prec: string | undefined;
  budget: number;
  mode: 'live' | 'catchup';
  calmChecks: number;
  lastCatchUp: number;
  opsWindowStart: number;
  ops: number;
  open: boolean;
}

export class WsServer {
  private readonly conns = new Set<WebSocket<Conn>>();
  /** The connections in catch-up mode: the 50 ms tick visits only these (10,000 live ones cost it 4 % of an edge). */
  private readonly catchingUp = new Set<WebSocket<Conn>>();
  private nextId = 1;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly app: TemplatedApp,
    private readonly hub: MarketHub,
    private readonly state: MarketView,
    private readonly readers: CatchUpReaders,
    private readonly cfg: Config['ws'],
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  register(): void {
    this.app.ws<Conn>('/ws', {
      // frames up to 16× the limit are read and refused with 1009; beyond that uWS drops the connection
      maxPayloadLength: this.cfg.maxFrameBytes * 16,
      idleTimeout: this.cfg.idleTimeoutS,
      sendPingsAutomatically: true,
      // uWS drops what passes this silently: set well above our own limit, which closes with 4008
      maxBackpressure: this.cfg.maxBufferedBytes * 4,
      closeOnBackpressureLimit: true,
      upgrade: (res, req, context) => {
        res.upgrade<Conn>(
          { id: this.nextId++, subs: new Map(), prec: undefined, budget: this.cfg.rateMaxMsgsPerSec, mode: 'live', calmChecks: 0, lastCatchUp: 0, opsWindowStart: 0, ops: 0, open: true },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        this.conns.add(ws);
        this.metrics.wsClients.set(this.conns.size);
      },
      message: (ws, message, isBinary) => this.onMessage(ws, message, isBinary),
      close: (ws) => {
        const c = ws.getUserData();
        c.open = false;
        if (c.mode === 'catchup') for (const key of c.subs.keys()) this.readers.remove(key);
        this.conns.delete(ws);
        this.catchingUp.delete(ws);
        this.metrics.wsClients.set(this.conns.size);
      },
    });
    this.timers.push(
      setInterval(() => this.checkBudgets(), 1000),
      setInterval(() => this.catchUpTick(), 50),
      setInterval(() => this.checkBuffers(), 100),
      setInterval(() => this.hub.pruneBooks(), 10_000),
    );
  }

  /** What the server holds per connection now (md_retained_items). */
  sizes(): Record<string, number> {
    let subs = 0;
    for (const ws of this.conns) subs += ws.getUserData().subs.size;
    return { ws_connections: this.conns.size, ws_subscriptions: subs, ws_catching_up: this.catchingUp.size };
  }

  private send(ws: WebSocket<Conn>, json: string): void {
    if (ws.getUserData().open) ws.send(json, false, false);
  }

  private error(ws: WebSocket<Conn>, err: ProtocolError, op?: string, stream?: { channel?: string; symbol?: string }): void {
    this.metrics.wsErrors.inc({ code: err.code });
    this.log.debug({ code: err.code, op, channel: stream?.channel, symbol: stream?.symbol }, 'websocket request refused');
    this.send(ws, frame({ type: 'error', code: err.code, message: err.message, op, id: err.id as RequestId | undefined }));
  }

  private onMessage(ws: WebSocket<Conn>, message: ArrayBuffer, isBinary: boolean): void {
    const c = ws.getUserData();
    const now = Date.now();
    if (now - c.opsWindowStart >= 1000) {
      c.opsWindowStart = now;
      c.ops = 0;
    }
    if (message.byteLength > this.cfg.maxFrameBytes) {
      this.metrics.wsDropped.inc({ reason: 'frame_too_large' });
      this.end(ws, CLOSE.frameTooLarge, `frame larger than ${this.cfg.maxFrameBytes} bytes`);
      return;
    }
    if (++c.ops > FLOOD_OPS_PER_SECOND) {
      this.metrics.wsDropped.inc({ reason: 'flood' });
      this.end(ws, CLOSE.flood, `more than ${FLOOD_OPS_PER_SECOND} frames in a second`);
      return;
    }
    if (c.ops > OPS_PER_SECOND) return this.error(ws, new ProtocolError('rate_limited', `at most ${OPS_PER_SECOND} frames per second; this one was ignored`));
    if (isBinary) return this.error(ws, new ProtocolError('binary_not_supported', 'send JSON text frames'));
    let op: ClientOp;
    try {
      op = parseClientFrame(Buffer.from(message).toString('utf8'));
    } catch (err) {
      if (err instanceof ProtocolError) return this.error(ws, err);
      throw err;
    }
    try {
      ws.cork(() => this.handle(ws, op));
    } catch (err) {
      const stream = 'channel' in op ? { channel: op.channel, symbol: op.symbol } : undefined;
      if (err instanceof ProtocolError) return this.error(ws, err, op.op, stream);
      this.log.error({ err: (err as Error).message, op: op.op, ...stream }, 'websocket op failed');
      this.error(ws, new ProtocolError('bad_request', 'the request could not be handled', op.id), op.op, stream);
    }
  }

  private handle(ws: WebSocket<Conn>, op: ClientOp): void {
    const c = ws.getUserData();
    switch (op.op) {
      case 'ping':
        return this.send(ws, frame({ type: 'pong', id: op.id as RequestId | undefined, ts: Date.now() }));
      case 'config': {
        // a client may lower its own budget (never raise it above the server's)
        if (op.maxMsgsPerSec !== undefined) c.budget = Math.min(op.maxMsgsPerSec, this.cfg.rateMaxMsgsPerSec);
        if (op.prec !== undefined) {
          const books = [...c.subs.values()].filter((s) => s.channel === 'book');
          // validate against every subscribed book first: all or nothing
          const resolved = books.map((s) => resolveStream(this.state, 'book', s.symbol, op.prec, op.id));
          c.prec = op.prec;
          books.forEach((s, i) => {
            this.unsubscribe(ws, s.key);
            this.subscribe(ws, resolved[i]!, undefined);
          });
        }
        return this.send(ws, frame({ type: 'config', prec: c.prec ?? null, max_msgs_per_sec: c.budget, id: op.id as RequestId | undefined }));
      }
      case 'subscribe': {
        const r = resolveStream(this.state, op.channel, op.symbol, op.prec ?? (op.channel === 'book' ? c.prec : undefined), op.id);
        if (!c.subs.has(r.key) && c.subs.size >= this.cfg.maxSubscriptions) {
          throw new ProtocolError('too_many_subscriptions', `at most ${this.cfg.maxSubscriptions} subscriptions per connection`, op.id);
        }
        this.send(ws, frame({ type: 'subscribed', channel: op.channel, symbol: op.symbol, prec: r.prec, ...(op.channel === 'index' ? { index_symbol: r.symbol } : {}), id: op.id as RequestId | undefined }));
        if (c.subs.has(r.key)) this.unsubscribe(ws, r.key); // again: start over (a fresh snapshot)
        return this.subscribe(ws, r, op.seq);
      }
      case 'unsubscribe': {
        const r = resolveStream(this.state, op.channel, op.symbol, op.channel === 'book' ? c.prec : undefined, op.id);
        const key = op.channel === 'book' ? [...c.subs.values()].find((s) => s.channel === 'book' && s.symbol === r.symbol)?.key : r.key;
        if (!key || !c.subs.has(key)) throw new ProtocolError('not_subscribed', `not subscribed to ${op.channel} ${op.symbol}`, op.id);
        this.unsubscribe(ws, key);
        return this.send(ws, frame({ type: 'unsubscribed', channel: op.channel, symbol: op.symbol, id: op.id as RequestId | undefined }));
      }
    }
  }

  private subscribe(ws: WebSocket<Conn>, r: ReturnType<typeof resolveStream>, seq: number | undefined): void {
    const c = ws.getUserData();
    const sub: CatchUpSub = { ...r, cursor: 0 };
    c.subs.set(r.key, sub);
    if (c.mode === 'catchup') this.readers.add(r.key);
    if (r.channel === 'book') {
      // served with the next ingest output (at most ~100 ms), when the book is exactly what was published
      const alive = () => c.open && c.subs.get(r.key) === sub;
      this.hub.requestBook(r.symbol, r.group, seq, (msgs) => {
        if (!alive()) return;
        ws.cork(() => {
          for (const m of msgs) this.send(ws, m);
          if (c.mode === 'live') ws.subscribe(r.key);
          else sub.cursor = this.hub.cursor(r.key, 'book', r.symbol);
        });
      }, alive);
      return;
    }
    const latest = this.hub.latestMessage(r.key);
    if (latest) this.send(ws, latest);
    if (c.mode === 'live') ws.subscribe(r.key);
    else sub.cursor = this.hub.cursor(r.key, r.channel, r.symbol);
  }

  private unsubscribe(ws: WebSocket<Conn>, key: string): void {
    const c = ws.getUserData();
    if (!c.subs.delete(key)) return;
    if (c.mode === 'live') ws.unsubscribe(key);
    else this.readers.remove(key);
  }

  /** Once a second: who is over budget goes to catch-up mode, who has calmed down comes back. */
  private checkBudgets(): void {
    const counts = this.hub.takeCounts();
    for (const ws of this.conns) {
      const c = ws.getUserData();
      let rate = 0;
      for (const key of c.subs.keys()) rate += counts.get(key) ?? 0;
      if (c.mode === 'live' && rate > c.budget) {
        ws.cork(() => {
          for (const [key, sub] of c.subs) {
            ws.unsubscribe(key);
            this.readers.add(key);
            sub.cursor = this.hub.cursor(key, sub.channel, sub.symbol);
          }
        });
        c.mode = 'catchup';
        this.catchingUp.add(ws);
        c.calmChecks = 0;
        this.metrics.wsConflated.inc();
      } else if (c.mode === 'catchup') {
        c.calmChecks = rate * 2 < c.budget ? c.calmChecks + 1 : 0;
        if (c.calmChecks >= 3) {
          ws.cork(() => {
            for (const [key, sub] of c.subs) {
              catchUpOne(this.hub, sub, (m) => this.send(ws, m));
              this.readers.remove(key);
              ws.subscribe(key);
            }
          });
          c.mode = 'live';
          this.catchingUp.delete(ws);
        }
      }
    }
  }

  /** Clients in catch-up mode get each stream's merged state, spaced to stay within their budget. */
  private catchUpTick(): void {
    const now = Date.now();
    for (const ws of this.catchingUp) {
      const c = ws.getUserData();
      if (c.subs.size === 0) continue;
      // kline streams may need two messages (a close and the next candle): count them double
      const interval = Math.max(50, (1000 * 2 * c.subs.size) / c.budget);
      if (now - c.lastCatchUp < interval) continue;
      c.lastCatchUp = now;
      let sent = 0;
      ws.cork(() => {
        for (const sub of c.subs.values()) sent += catchUpOne(this.hub, sub, (m) => this.send(ws, m));
      });
      if (sent) this.metrics.wsMessagesSent.inc({ mode: 'catchup' }, sent);
    }
  }

  /** Closes with a code and reason (uWS runs the close handler at once). */
  private end(ws: WebSocket<Conn>, code: number, reason: string): void {
    ws.getUserData().open = false;
    ws.end(code, reason);
  }

  /**
   * A client that does not read: closed with 4008 once its unsent data passes the limit, or
   * dropped sooner, largest first, while all unsent data together passes WS_MAX_BUFFERED_TOTAL_BYTES.
   * Those are dropped without a close frame: it would wait behind their unread data, and uWS would
   * keep that data for its close timeout (seconds), which is the memory the budget is there to free.
   */
  private checkBuffers(): void {
    let total = 0;
    // only clients holding more than this can be dropped for the total: the rest are not collected
    const floor = this.cfg.maxBufferedBytes / 4;
    const large: Buffered<WebSocket<Conn>>[] = [];
    for (const ws of this.conns) {
      const c = ws.getUserData();
      const bytes = ws.getBufferedAmount();
      total += bytes;
      if (c.open && bytes > this.cfg.maxBufferedBytes) {
        this.metrics.wsDropped.inc({ reason: 'slow_consumer' });
        this.end(ws, CLOSE.slowConsumer, `send buffer over ${this.cfg.maxBufferedBytes} bytes: the client does not read fast enough`);
      } else if (c.open && bytes > floor) {
        large.push({ conn: ws, bytes });
      }
    }
    for (const ws of overBudget(large, total, this.cfg.maxBufferedTotalBytes, floor)) {
      this.metrics.wsDropped.inc({ reason: 'send_budget' });
      ws.getUserData().open = false;
      ws.close();
    }
    this.metrics.wsSendBuffered.set(total);
  }

  /** Closes every client with 1001 (shutdown). */
  closeAll(): void {
    for (const t of this.timers) clearInterval(t);
    for (const ws of [...this.conns]) this.end(ws, CLOSE.goingAway, 'server shutting down');
  }
}
