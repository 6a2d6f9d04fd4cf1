// A real WebSocket client (ws) that keeps what a trading bot would: books rebuilt from snapshot
// and deltas (checksum and prev_seq checked on every message), trades, the latest kline and ticker.
import WebSocket from 'ws';
import { checksumOfStrings } from '../../src/domain/book-checksum.js';

export interface ClientBook {
  seq: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
  checksumFailures: number;
  chainBreaks: number;
  messages: number;
}

const zero = (q: string) => /^0(\.0*)?$/.test(q);
const sorted = (m: Map<string, string>, desc: boolean): [string, string][] => [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));

export class TestClient {
  readonly ws: WebSocket;
  readonly books = new Map<string, ClientBook>();
  readonly received: { at: number; msg: Record<string, unknown> }[] = [];
  readonly errors: Record<string, unknown>[] = [];
  readonly latest = new Map<string, Record<string, unknown>>();
  tradeIds = new Set<string>();
  readonly trades: { symbol: string; id: string; seq: number }[] = [];
  /** Book messages whose checksum did not match the rebuilt book (what, at which seq). */
  readonly checksumFailures: string[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as Record<string, unknown>));
  }

  send(op: unknown): void {
    this.ws.send(typeof op === 'string' ? op : JSON.stringify(op));
  }

  /** Starts a book from a copy of another client's (as a reconnecting client keeps its own). */
  adopt(symbol: string, from: ClientBook): void {
    this.books.set(symbol, { seq: from.seq, bids: new Map(from.bids), asks: new Map(from.asks), checksumFailures: 0, chainBreaks: 0, messages: 0 });
  }

  book(symbol: string): ClientBook | undefined {
    return this.books.get(symbol);
  }

  levels(symbol: string): { bids: [string, string][]; asks: [string, string][] } {
    const b = this.books.get(symbol)!;
    return { bids: sorted(b.bids, true), asks: sorted(b.asks, false) };
  }

  private onMessage(m: Record<string, unknown>): void {
    this.received.push({ at: Date.now(), msg: m });
    if (m.type === 'error') this.errors.push(m);
    else if (m.type === 'book') this.onBook(m);
    else if (m.type === 'trades') {
      for (const t of m.data as { id: string; seq: number }[]) {
        this.tradeIds.add(t.id);
        this.trades.push({ symbol: m.symbol as string, id: t.id, seq: t.seq });
      }
    }
    else if (m.type === 'kline' || m.type === 'ticker' || m.type === 'mark' || m.type === 'index' || m.type === 'funding') {
      this.latest.set(`${m.type}/${m.symbol}/${(m as { interval?: string }).interval ?? ''}`, m);
    }
  }

  private onBook(m: Record<string, unknown>): void {
    const symbol = m.symbol as string;
    if (m.action === 'status') return;
    let b = this.books.get(symbol);
    if (m.action === 'snapshot') {
      b = { seq: m.seq as number, bids: new Map(m.bids as [string, string][]), asks: new Map(m.asks as [string, string][]), checksumFailures: b?.checksumFailures ?? 0, chainBreaks: b?.chainBreaks ?? 0, messages: (b?.messages ?? 0) + 1 };
      this.books.set(symbol, b);
    } else {
      if (!b) return;
      b.messages++;
      if (m.prev_seq !== b.seq) b.chainBreaks++;
      for (const [p, q] of m.bids as [string, string][]) (zero(q) ? b.bids.delete(p) : b.bids.set(p, q));
      for (const [p, q] of m.asks as [string, string][]) (zero(q) ? b.asks.delete(p) : b.asks.set(p, q));
      b.seq = m.seq as number;
    }
    const { bids, asks } = this.levels(symbol);
    if (checksumOfStrings(bids.slice(0, 25), asks.slice(0, 25), 25) !== m.checksum) {
      b.checksumFailures++;
      this.checksumFailures.push(`${m.action}${m.conflated ? ' (conflated)' : ''} at ${String(m.seq)}`);
    }
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
