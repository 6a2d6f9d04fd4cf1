// GET /v1/stream/{channel}/{symbol}?throttle=100ms: server-sent events carrying the WebSocket
// payloads of one stream, at most one event per throttle interval. Each event is the stream's
// merged state since the last one (book deltas merged by level, every trade, the latest value),
// so the last state always arrives; a client that does not keep up is simply caught up later.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { MarketView } from '../market/market-view.js';
import type { Metrics } from '../obs/metrics.js';
import { catchUpOne, type CatchUpReaders, type CatchUpSub } from './catchup-readers.js';
import { isChannel } from './channels.js';
import { sendJson, statusLine } from './http-response.js';
import type { MarketHub } from './market-hub.js';
import { resolveStream } from './stream-resolver.js';
import { ProtocolError } from './ws-protocol.js';
import { PREC_PATTERN, THROTTLE_PATTERN } from './openapi.js';

const THROTTLE = new RegExp(THROTTLE_PATTERN);
const PREC = new RegExp(PREC_PATTERN);

interface SseClient {
  res: HttpResponse;
  sub: CatchUpSub;
  throttleMs: number;
  last: number;
  ready: boolean;
  writable: boolean;
}

export class SseServer {
  private readonly clients = new Set<SseClient>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly app: TemplatedApp,
    private readonly hub: MarketHub,
    private readonly state: MarketView,
    private readonly readers: CatchUpReaders,
    private readonly metrics: Metrics,
  ) {}

  register(): void {
    this.app.get('/v1/stream/:channel/:symbol', (res, req) => this.open(res, req));
    this.timers.push(
      setInterval(() => this.tick(), 10),
      setInterval(() => {
        for (const c of this.clients) if (c.writable) c.res.cork(() => c.res.write(': keep-alive\n\n'));
      }, 15_000),
    );
  }

  private open(res: HttpResponse, req: HttpRequest): void {
    const channel = req.getParameter(0) ?? '';
    const symbol = decodeURIComponent(req.getParameter(1) ?? '');
    const query = new URLSearchParams(req.getQuery() ?? '');
    const fail = (code: number, error: string, message: string) => {
      this.metrics.httpRequests.inc({ route: '/v1/stream', status: code });
      sendJson(res, code, { error, message });
    };
    if (!isChannel(channel)) return fail(400, 'unknown_channel', `unknown channel ${JSON.stringify(channel.slice(0, 40))}`);
    const throttle = query.get('throttle') || '100ms';
    if (!THROTTLE.test(throttle)) return fail(400, 'bad_parameter', 'throttle must be like 100ms or 2s, from 10ms to 60s');
    const throttleMs = throttle.endsWith('ms') ? Number(throttle.slice(0, -2)) : Number(throttle.slice(0, -1)) * 1000;
    const prec = query.get('prec') || undefined;
    if (prec !== undefined && !PREC.test(prec)) return fail(400, 'bad_prec', 'prec must be a positive decimal, e.g. "0.5"');
    let sub: CatchUpSub;
    try {
      sub = { ...resolveStream(this.state, channel, symbol, prec), cursor: 0 };
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return fail(err.code === 'unknown_symbol' ? 404 : 400, err.code, err.message);
    }
    this.metrics.httpRequests.inc({ route: '/v1/stream', status: 200 });
    const client: SseClient = { res, sub, throttleMs, last: 0, ready: false, writable: true };
    res.onAborted(() => {
      client.writable = false;
      if (this.clients.delete(client)) this.readers.remove(sub.key);
      this.metrics.sseClients.set(this.clients.size);
    });
    res.onWritable(() => true);
    res.cork(() => {
      res.writeStatus(statusLine(200)).writeHeader('content-type', 'text/event-stream').writeHeader('cache-control', 'no-store').writeHeader('x-accel-buffering', 'no');
      res.write(`: ${channel} ${symbol}, at most one event per ${throttleMs} ms\n\n`);
    });
    this.clients.add(client);
    this.readers.add(sub.key);
    this.metrics.sseClients.set(this.clients.size);
    if (sub.channel === 'book') {
      this.hub.requestBook(sub.symbol, sub.group, undefined, (msgs) => {
        if (!client.writable) return;
        this.write(client, msgs[msgs.length - 1]!);
        sub.cursor = this.hub.cursor(sub.key, 'book', sub.symbol);
        client.ready = true;
      }, () => client.writable && this.clients.has(client));
    } else {
      const latest = this.hub.latestMessage(sub.key);
      if (latest) this.write(client, latest);
      sub.cursor = this.hub.cursor(sub.key, sub.channel, sub.symbol);
      client.ready = true;
    }
  }

  private write(c: SseClient, json: string): void {
    c.last = Date.now();
    c.res.cork(() => c.res.write(`data: ${json}\n\n`));
  }

  private tick(): void {
    const now = Date.now();
    for (const c of this.clients) {
      if (!c.ready || !c.writable || now - c.last < c.throttleMs) continue;
      // more than one pending message (a kline that closed and reopened): the last state wins
      let latest: string | undefined;
      catchUpOne(this.hub, c.sub, (m) => (latest = m));
      if (latest) this.write(c, latest);
    }
  }

  closeAll(): void {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.clients) if (c.writable) c.res.cork(() => c.res.end());
    this.clients.clear();
  }
}
