// A protocol-level WebSocket client (ws) for tests that look at the frames themselves: it keeps
// every frame, error and close, and rebuilds books with the client library's LocalBook, counting
// what a correct server never sends (a delta off the chain, a checksum that does not match).
import WebSocket from 'ws';
import { LocalBook, type BookFrame } from '@market-data/client';

/** One book as this client holds it, with the server faults seen on it. */
export class ClientBook {
  checksumFailures = 0;
  chainBreaks = 0;
  messages = 0;
  constructor(readonly local: LocalBook) {}

  get seq(): number {
    return this.local.seq;
  }

  clone(): ClientBook {
    return new ClientBook(this.local.clone());
  }
}

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
    this.books.set(symbol, from.clone());
  }

  book(symbol: string): ClientBook | undefined {
    return this.books.get(symbol);
  }

  levels(symbol: string): { bids: [string, string][]; asks: [string, string][] } {
    return this.books.get(symbol)!.local.levels();
  }

  private onMessage(m: Record<string, unknown>): void {
    this.received.push({ at: Date.now(), msg: m });
    if (m.type === 'error') this.errors.push(m);
    else if (m.type === 'book') this.onBook(m as unknown as BookFrame);
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

  private onBook(f: BookFrame): void {
    if (f.action === 'status') return;
    let b = this.books.get(f.symbol);
    if (!b) this.books.set(f.symbol, (b = new ClientBook(new LocalBook(f.symbol))));
    b.messages++;
    const outcome = b.local.apply(f);
    if (outcome === 'chain_break') b.chainBreaks++;
    if (outcome === 'checksum_mismatch') {
      b.checksumFailures++;
      this.checksumFailures.push(`${f.action}${f.action === 'delta' && f.conflated ? ' (conflated)' : ''} at ${f.seq}`);
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
