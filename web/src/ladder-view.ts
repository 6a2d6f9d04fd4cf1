// The order book ladder: asks above (best at the bottom), the spread, bids below; each row with
// its size, the cumulative size from the touch, and a depth bar of that cumulative size.
import type { ClientBook } from './book.js';
import { sum } from './decimal.js';
import { el } from './dom.js';

const ROWS = 15;

export function renderLadder(root: HTMLElement, book: ClientBook): void {
  const { bids, asks } = book.levels(ROWS);
  const cumBids = cumulative(bids);
  const cumAsks = cumulative(asks);
  // widths only: the one place sizes become numbers, for drawing
  const max = Math.max(Number(cumBids[cumBids.length - 1] ?? 0), Number(cumAsks[cumAsks.length - 1] ?? 0), Number.MIN_VALUE);
  const rows: HTMLElement[] = [];
  for (let i = asks.length - 1; i >= 0; i--) rows.push(row('ask', asks[i]!, cumAsks[i]!, max));
  rows.push(spreadRow(bids[0]?.[0], asks[0]?.[0]));
  bids.forEach((b, i) => rows.push(row('bid', b, cumBids[i]!, max)));
  root.replaceChildren(...rows);
}

function cumulative(levels: [string, string][]): string[] {
  const out: string[] = [];
  let running = '0';
  for (const [, q] of levels) out.push((running = sum([running, q])));
  return out;
}

function row(side: 'bid' | 'ask', [price, qty]: [string, string], total: string, max: number): HTMLElement {
  const r = el('div', `level ${side}`);
  r.dataset.price = price;
  const bar = el('span', 'bar');
  bar.style.width = `${Math.min(100, (Number(total) / max) * 100).toFixed(1)}%`;
  r.append(bar, el('span', 'price', price), el('span', 'qty', qty), el('span', 'total', total));
  return r;
}

function spreadRow(bid: string | undefined, ask: string | undefined): HTMLElement {
  const r = el('div', 'spread');
  r.textContent = bid && ask ? `spread ${sum([ask, `-${bid}`])}` : 'no spread (one side empty)';
  return r;
}
