// One WebSocket to /ws that stays up: it reconnects with backoff, resubscribes everything (a book
// with its last seq, so the server can send just the missed deltas), pings, and counts messages.
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface StreamRequest {
  channel: string;
  symbol: string;
  prec?: string;
  /** For a book: the seq the page holds, asked for again on reconnect. */
  resumeSeq?: () => number | undefined;
}

export type ServerMessage = { type: string; symbol?: string; [k: string]: unknown };

const PING_EVERY_MS = 10_000;
/** Nothing at all (not even a pong) for this long: the connection is dead even if the socket says otherwise. */
const SILENCE_LIMIT_MS = 25_000;

export class MarketConnection {
  state: ConnectionState = 'connecting';
  /** Messages received in the last whole second. */
  rate = 0;
  private ws: WebSocket | undefined;
  private readonly streams = new Map<string, StreamRequest>();
  private attempts = 0;
  private counted = 0;
  private lastMessageAt = 0;

  constructor(
    private readonly url: string,
    private readonly onMessage: (m: ServerMessage) => void,
    private readonly onState: (s: ConnectionState) => void,
  ) {
    setInterval(() => {
      this.rate = this.counted;
      this.counted = 0;
    }, 1000);
    setInterval(() => this.keepAlive(), PING_EVERY_MS);
  }

  connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.lastMessageAt = Date.now();
      this.setState('live');
      for (const s of this.streams.values()) this.sendSubscribe(s, true);
    };
    ws.onmessage = (e) => {
      this.counted++;
      this.lastMessageAt = Date.now();
      this.onMessage(JSON.parse(e.data as string) as ServerMessage);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.setState('reconnecting');
      // 0.5 s, 1 s, 2 s ... up to 10 s, with jitter so a restarted server is not hit by everyone at once
      const delay = Math.min(10_000, 500 * 2 ** this.attempts++) * (0.75 + Math.random() / 2);
      setTimeout(() => this.connect(), delay);
    };
  }

  subscribe(s: StreamRequest): void {
    this.streams.set(key(s), s);
    this.sendSubscribe(s, false);
  }

  unsubscribe(channel: string, symbol: string): void {
    if (!this.streams.delete(key({ channel, symbol }))) return;
    this.send({ op: 'unsubscribe', channel, symbol });
  }

  private sendSubscribe(s: StreamRequest, resuming: boolean): void {
    const seq = resuming ? s.resumeSeq?.() : undefined;
    this.send({ op: 'subscribe', channel: s.channel, symbol: s.symbol, ...(s.prec ? { prec: s.prec } : {}), ...(seq !== undefined && seq >= 0 ? { seq } : {}) });
  }

  private send(frame: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private keepAlive(): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) this.ws.close();
    else this.send({ op: 'ping' });
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.onState(s);
  }
}

const key = (s: { channel: string; symbol: string }) => `${s.channel}|${s.symbol}`;
