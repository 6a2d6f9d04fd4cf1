// The trades tape: the newest first, price coloured by the taker's side.
import type { TradeView } from '@market-data/client';
import { el, timeOfDay } from './dom.js';

/** A trade as the `trades` channel and /v1/trades send it (the server's own type). */
export type TapeTrade = TradeView;

const KEEP = 40;

export class TradesTape {
  private trades: TapeTrade[] = [];

  constructor(private readonly root: HTMLElement) {}

  /** Adds trades from the stream or from /v1/trades (they overlap after a reconnect): each once, newest first. */
  merge(batch: TapeTrade[]): void {
    const seen = new Set(this.trades.map((t) => t.id));
    const fresh = batch.filter((t) => !seen.has(t.id));
    if (!fresh.length) return;
    this.trades = [...fresh, ...this.trades].sort((a, b) => b.seq - a.seq).slice(0, KEEP);
  }

  clear(): void {
    this.trades = [];
  }

  get count(): number {
    return this.trades.length;
  }

  render(): void {
    this.root.replaceChildren(
      ...this.trades.map((t) => {
        const r = el('div', `trade ${t.side}`);
        r.append(el('span', 'time', timeOfDay(t.ts)), el('span', 'price', t.price), el('span', 'qty', t.qty));
        return r;
      }),
    );
    this.root.dataset.count = String(this.trades.length);
  }
}
