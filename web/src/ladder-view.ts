// The order book ladder: asks above (best at the bottom), the spread, bids below; each row with
// its size, the cumulative size from the touch, and a depth bar of that cumulative size.
import type { Increment } from '../../src/domain/decimal.js';
import type { VerifiedBook } from '@market-data/client';
import { el } from './dom.js';

const ROWS = 15;

export function renderLadder(root: HTMLElement, book: VerifiedBook, tick: Increment, lot: Increment): void {
  const { bids, asks } = book.levels(ROWS);
  const cumBids = cumulative(bids, lot);
  const cumAsks = cumulative(asks, lot);
  // widths only: the one place sizes become numbers, for drawing
  const max = Math.max(Number(cumBids[cumBids.length - 1] ?? 0), Number(cumAsks[cumAsks.length - 1] ?? 0), Number.MIN_VALUE);
  const rows: HTMLElement[] = [];
  for (let i = asks.length - 1; i >= 0; i--) rows.push(row('ask', asks[i]!, cumAsks[i]!, max));
  rows.push(spreadRow(bids[0]?.[0], asks[0]?.[0], tick));
  bids.forEach((b, i) => rows.push(row('bid', b, cumBids[i]!, max)));
  root.replaceChildren(...rows);
}

/** Sizes summed from the touch, exact in lots. */
function cumulative(levels: [string, string][], lot: Increment): string[] {
  let lots = 0;
  return levels.map(([, q]) => lot.format((lots += lot.toUnits(q))));
}

function row(side: 'bid' | 'ask', [price, qty]: [string, string], total: string, max: number): HTMLElement {
  const r = el('div', `level ${side}`);
  r.dataset.price = price;
  const bar = el('span', 'bar');
  bar.style.width = `${Math.min(100, (Number(total) / max) * 100).toFixed(1)}%`;
  r.append(bar, el('span', 'price', price), el('span', 'qty', qty), el('span', 'total', total));
  return r;
}

function spreadRow(bid: string | undefined, ask: string | undefined, tick: Increment): HTMLElement {
  const r = el('div', 'spread');
  const ticks = bid && ask ? tick.toUnits(ask) - tick.toUnits(bid) : undefined;
  r.textContent = ticks === undefined ? 'no spread (one side empty)' : ticks >= 0 ? `spread ${tick.format(ticks)}` : `crossed by ${tick.format(-ticks)}`;
  return r;
}
