// One multiplexed WebSocket that stays up: it fails over between URLs in order, reconnects with
// backoff and jitter, pings and treats silence as a dead connection, re-sends the client's config
// and every subscription on each open, and routes each data frame to its subscription.
import type { ClientFrame, ConfigFrame, DataFrame, PongFrame, RequestId, ServerFrame, SubscribeRequest, SubscribedFrame } from '../../src/contract/ws-frames.js';
import { MarketDataError } from './errors.js';
import { backoffDelay, DEFAULT_BACKOFF, OPEN, platformWebSocket, type Backoff, type SocketConstructor, type SocketLike } from './socket.js';

/**
 * Refusals of a subscription the server accepted before, retried with backoff instead of ending
 * the stream: a server that just restarted (or an edge that just started) knows a symbol only
 * once it has read it from Kafka.
 */
const RETRIED_REFUSALS: ReadonlySet<string> = new Set(['unknown_symbol']);

export type StateEvent =
  | { state: 'connecting'; url: string; attempt: number }
  | { state: 'open'; url: string }
  | { state: 'reconnecting'; url: string; attempt: number; delayMs: number; code: number; reason: string }
  | { state: 'closed'; code: number; reason: string };

export type ConnectionState = StateEvent['state'];

export interface ConnectOptions {
  /** The WebSocket constructor; default the platform's (browsers, Node 22+). */
  WebSocket?: SocketConstructor;
  backoff?: Partial<Backoff>;
  /** A ping every this many ms while open (default 10 s). */
  pingIntervalMs?: number;
  /** Nothing received (not even a pong) for this long: the connection is dead (default 25 s). */
  silenceMs?: number;
  /** Requests (config, ping) not answered within this reject with `timeout` (default 10 s). */
  requestTimeoutMs?: number;
  /** The server-side message budget of this connection (`config` op), re-sent on every open. */
  maxMsgsPerSec?: number;
  random?: () => number;
}

/** What a subscription gives the connection and gets back from it; kept across reconnects. */
export interface Subscription {
  /** The subscribe request to send now (on every open, and on resubscribe). */
  request(): Omit<SubscribeRequest, 'op' | 'id'>;
  onSubscribed(f: SubscribedFrame): void;
  onFrame(f: DataFrame): void;
  /** The server refused the subscription (e.g. unknown_symbol): it is dropped. */
  onRefused(err: MarketDataError): void;
}

interface Pending {
  resolve(f: ServerFrame): void;
  reject(err: MarketDataError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  sub?: Subscription;
}

/** The key that routes a data frame to its subscription. */
function frameRoute(f: DataFrame): string {
  switch (f.type) {
    case 'book':
      return `book|${f.symbol}|${f.prec}`;
    case 'kline':
      return `kline:${f.interval}|${f.symbol}`;
    default:
      return `${f.type}|${f.symbol}`;
  }
}

function subscribedRoute(f: SubscribedFrame): string {
  if (f.channel === 'book') return `book|${f.symbol}|${f.prec}`;
  if (f.channel === 'index') return `index|${f.index_symbol ?? f.symbol}`;
  return `${f.channel}|${f.symbol}`;
}

export class Connection {
  state: ConnectionState = 'connecting';
  /** The URL of the current (or last) connection. */
  url: string;
  private socket: SocketLike | undefined;
  private readonly WebSocket: SocketConstructor;
  private readonly backoff: Backoff;
  private urlIndex = 0;
  private attempt = 0;
  private lastHeard = 0;
  private nextId = 1;
  private closedByUser = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private readonly subs = new Set<Subscription>();
  private readonly routes = new Map<string, Set<Subscription>>();
  private readonly routeOf = new Map<Subscription, string>();
  private readonly pending = new Map<RequestId, Pending>();
  private readonly stateListeners = new Set<(e: StateEvent) => void>();
  private readonly frameListeners = new Set<(f: ServerFrame) => void>();
  /** Subscriptions the server accepted once: a later refusal is a restarted server catching up. */
  private readonly acceptedOnce = new WeakSet<Subscription>();
  private readonly retries = new Map<Subscription, { attempt: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly urls: readonly string[],
    private readonly opts: ConnectOptions = {},
  ) {
    if (!urls.length) throw new Error('connect needs at least one URL');
    this.url = urls[0]!;
    this.WebSocket = opts.WebSocket ?? platformWebSocket();
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.open();
  }

  onState(listener: (e: StateEvent) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Every frame from the server, as parsed, before the client routes it. */
  onFrame(listener: (f: ServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  add(sub: Subscription): void {
    this.subs.add(sub);
    if (this.state === 'open') this.subscribe(sub);
  }

  remove(sub: Subscription): void {
    if (!this.subs.delete(sub)) return;
    this.clearRetry(sub);
    const route = this.unroute(sub);
    if (route && !this.routes.has(route) && this.state === 'open') {
      const r = sub.request();
      this.send({ op: 'unsubscribe', channel: r.channel, symbol: r.symbol });
    }
  }

  /** Subscribes again: the server starts the stream over (a book: a fresh snapshot). */
  resubscribe(sub: Subscription): void {
    if (this.subs.has(sub) && this.state === 'open') this.subscribe(sub);
  }

  /** Sets the connection's message budget (kept and re-sent on reconnect). */
  config(maxMsgsPerSec: number): Promise<ConfigFrame> {
    this.opts.maxMsgsPerSec = maxMsgsPerSec;
    return this.request({ op: 'config', max_msgs_per_sec: maxMsgsPerSec }) as Promise<ConfigFrame>;
  }

  ping(): Promise<PongFrame> {
    return this.request({ op: 'ping' }) as Promise<PongFrame>;
  }

  close(): void {
    this.closedByUser = true;
    clearTimeout(this.retryTimer);
    this.clearRetries();
    this.stopPings();
    this.abandonSocket(1000, 'client closed');
    this.failPending('closed', 'the client closed the connection');
    this.setState({ state: 'closed', code: 1000, reason: 'client closed' });
  }

  private open(): void {
    if (this.closedByUser) return;
    this.url = this.urls[this.urlIndex % this.urls.length]!;
    this.setState({ state: 'connecting', url: this.url, attempt: this.attempt });
    let s: SocketLike;
    try {
      s = new this.WebSocket(this.url);
    } catch {
      return this.dropped(1006, 'could not create the socket');
    }
    this.socket = s;
    let opened = false;
    s.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.lastHeard = Date.now();
      this.setState({ state: 'open', url: this.url });
      this.startPings();
      if (this.opts.maxMsgsPerSec !== undefined) this.send({ op: 'config', max_msgs_per_sec: this.opts.maxMsgsPerSec });
      for (const sub of this.subs) this.subscribe(sub);
    };
    s.onmessage = (ev) => {
      this.lastHeard = Date.now();
      this.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    s.onerror = () => undefined; // onclose follows and says what happened
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      if (!opened) this.urlIndex++; // this server does not answer: the next one
      this.dropped(ev.code, ev.reason);
    };
  }

  private dropped(code: number, reason: string): void {
    this.socket = undefined;
    this.clearRetries(); // every subscription is sent again on open
    this.stopPings();
    this.routes.clear();
    this.routeOf.clear();
    this.failPending('closed', `connection closed (${code}${reason ? ` ${reason}` : ''})`);
    if (this.closedByUser) return;
    const delayMs = backoffDelay(this.attempt, this.backoff, this.opts.random);
    this.setState({ state: 'reconnecting', url: this.url, attempt: this.attempt, delayMs, code, reason });
    this.attempt++;
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  private receive(text: string): void {
    let f: ServerFrame;
    try {
      f = JSON.parse(text) as ServerFrame;
    } catch {
      return; // not the contract; nothing to route
    }
    for (const l of this.frameListeners) l(f);
    switch (f.type) {
      case 'subscribed': {
        const p = f.id !== undefined ? this.pending.get(f.id) : undefined;
        if (p?.sub && this.subs.has(p.sub)) {
          this.settle(f.id!);
          this.acceptedOnce.add(p.sub);
          this.clearRetry(p.sub);
          this.route(p.sub, subscribedRoute(f));
          p.sub.onSubscribed(f);
        }
        break;
      }
      case 'error': {
        const p = f.id !== undefined ? this.pending.get(f.id) : undefined;
        if (p) {
          this.settle(f.id!);
          const err = new MarketDataError(f.code, f.message);
          if (p.sub && this.acceptedOnce.has(p.sub) && RETRIED_REFUSALS.has(f.code)) this.retryLater(p.sub);
          else if (p.sub) {
            this.subs.delete(p.sub);
            this.unroute(p.sub);
            p.sub.onRefused(err);
          } else p.reject(err);
        }
        break;
      }
      case 'unsubscribed':
        break;
      case 'config':
      case 'pong': {
        const p = f.id !== undefined ? this.pending.get(f.id) : undefined;
        if (p) {
          this.settle(f.id!);
          p.resolve(f);
        }
        break;
      }
      default: {
        const subs = this.routes.get(frameRoute(f));
        if (subs) for (const sub of subs) sub.onFrame(f);
      }
    }
  }

  /** Subscribes again after a growing delay (the server refused what it had accepted before). */
  private retryLater(sub: Subscription): void {
    const attempt = (this.retries.get(sub)?.attempt ?? -1) + 1;
    this.clearRetry(sub);
    const timer = setTimeout(() => {
      if (this.subs.has(sub) && this.state === 'open') this.subscribe(sub);
    }, backoffDelay(attempt, this.backoff, this.opts.random));
    this.retries.set(sub, { attempt, timer });
  }

  private clearRetries(): void {
    for (const sub of [...this.retries.keys()]) this.clearRetry(sub);
  }

  /** Closes the current socket without hearing from it again. */
  private abandonSocket(code: number, reason: string): void {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    s.onclose = s.onmessage = s.onerror = s.onopen = null;
    try {
      s.close(code, reason);
    } catch {
      /* already closing */
    }
  }

  private clearRetry(sub: Subscription): void {
    const r = this.retries.get(sub);
    if (r) clearTimeout(r.timer);
    this.retries.delete(sub);
  }

  private subscribe(sub: Subscription): void {
    const id = `s${this.nextId++}`;
    this.pending.set(id, { resolve: () => undefined, reject: () => undefined, timer: undefined, sub });
    this.send({ op: 'subscribe', ...sub.request(), id });
  }

  private request(frame: ClientFrame): Promise<ServerFrame> {
    if (this.state !== 'open') return Promise.reject(new MarketDataError('closed', `not connected (${this.state})`));
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new MarketDataError('timeout', `no answer to ${frame.op} within ${this.opts.requestTimeoutMs ?? 10_000} ms`));
      }, this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ ...frame, id });
    });
  }

  private settle(id: RequestId): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
  }

  private failPending(code: 'closed', message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      if (!p.sub) p.reject(new MarketDataError(code, message));
      this.pending.delete(id);
    }
  }

  private route(sub: Subscription, key: string): void {
    this.unroute(sub);
    let set = this.routes.get(key);
    if (!set) this.routes.set(key, (set = new Set()));
    set.add(sub);
    this.routeOf.set(sub, key);
  }

  private unroute(sub: Subscription): string | undefined {
    const key = this.routeOf.get(sub);
    if (key === undefined) return undefined;
    this.routeOf.delete(sub);
    const set = this.routes.get(key);
    set?.delete(sub);
    if (set && !set.size) this.routes.delete(key);
    return key;
  }

  private send(frame: ClientFrame): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private startPings(): void {
    this.stopPings();
    const every = this.opts.pingIntervalMs ?? 10_000;
    const silence = this.opts.silenceMs ?? 25_000;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > silence) {
        // a dead peer may never deliver a close: give up on this socket ourselves
        this.abandonSocket(4000, 'silent');
        this.dropped(4000, `nothing heard for ${silence} ms`);
      } else this.send({ op: 'ping' });
    }, every);
  }

  private stopPings(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private setState(e: StateEvent): void {
    this.state = e.state;
    for (const l of this.stateListeners) l(e);
  }
}
