// A WebSocket stand-in for the client library's unit tests: the test opens, feeds and closes it,
// and reads what the client sent.
import type { SocketLike } from '@market-data/client';

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]!;
  }

  static reset(): void {
    FakeSocket.all = [];
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  // ---- driven by the test ----

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server refuses or drops the connection. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** Frames sent with this op. */
  ops(op: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.op === op);
  }

  /** Answers the last subscribe as the server would. */
  acceptLastSubscribe(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const s = this.ops('subscribe').at(-1)!;
    this.receive({ type: 'subscribed', channel: s.channel, symbol: s.symbol, id: s.id, ...extra });
    return s;
  }
}
