// Top of book across venues for one BASE/QUOTE: each venue's best bid and ask (the exchange's own
// market and the outside venues), the best of each side marked. Every row comes from a verified book.
import { compareDecimal, type VerifiedBook } from '@market-data/client';
import { el } from './dom.js';

interface Row {
  bid: string | undefined;
  ask: string | undefined;
}

export class AcrossVenues {
  private rows = new Map<string, Row>();

  constructor(private readonly table: HTMLElement) {}

  clear(symbols: string[]): void {
    this.rows = new Map(symbols.map((s) => [s, { bid: undefined, ask: undefined }]));
    this.render();
  }

  update(symbol: string, book: VerifiedBook): void {
    const { bids, asks } = book.levels(1);
    this.rows.set(symbol, { bid: bids[0]?.[0], ask: asks[0]?.[0] });
  }

  render(): void {
    const rows = [...this.rows];
    const best = (side: 'bid' | 'ask') =>
      rows.reduce<[string, string] | undefined>((acc, [s, r]) => {
        const v = r[side];
        if (v === undefined) return acc;
        if (!acc) return [s, v];
        const c = compareDecimal(v, acc[1]);
        return (side === 'bid' ? c > 0 : c < 0) ? [s, v] : acc;
      }, undefined);
    const bestBid = best('bid');
    const bestAsk = best('ask');
    this.table.dataset.rows = String(rows.filter(([, r]) => r.bid !== undefined && r.ask !== undefined).length);
    this.table.dataset.bestBid = bestBid?.[0] ?? '';
    this.table.dataset.bestAsk = bestAsk?.[0] ?? '';
    this.table.replaceChildren(
      ...rows.map(([s, r]) => {
        const tr = el('tr');
        tr.append(el('td', 'venue', s), el('td', `price bid${bestBid?.[0] === s ? ' best' : ''}`, r.bid ?? '–'), el('td', `price ask${bestAsk?.[0] === s ? ' best' : ''}`, r.ask ?? '–'));
        return tr;
      }),
    );
  }
}
