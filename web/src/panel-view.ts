// The market panel: 24h ticker, mark, index, funding (with a live countdown to the next funding).
import { $, setStale } from './dom.js';

export interface TickerData {
  last: string | null;
  price_change: string | null;
  price_change_percent: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quote_volume: string;
  trade_count: number;
}

/** Older than this, a value that should come every second is shown as stale. */
const STALE_AFTER_MS = 3500;

export class MarketPanel {
  /** When each shown value last came, by element id. */
  private readonly updatedAt = new Map<string, number>();
  private nextFunding: number | undefined;

  ticker(t: TickerData): void {
    const change = t.price_change === null ? '–' : `${t.price_change} (${t.price_change_percent}%)`;
    this.set('t-last', t.last ?? '–');
    this.set('t-change', change, t.price_change?.startsWith('-') ? 'down' : 'up');
    this.set('t-high', t.high ?? '–');
    this.set('t-low', t.low ?? '–');
    this.set('t-volume', t.volume);
    this.set('t-quote-volume', t.quote_volume);
    this.set('t-count', String(t.trade_count));
  }

  mark(m: { mark_price: string | null; stale: boolean }): void {
    this.set('p-mark', m.mark_price ?? '–', m.stale ? 'flagged' : undefined);
  }

  index(i: { price: string | null; stale: boolean; sources_used: string[] }): void {
    this.set('p-index', i.price ?? '–', i.stale ? 'flagged' : undefined);
    this.set('p-sources', i.sources_used.join(', ') || 'none');
  }

  funding(f: { funding_rate: string; next_funding_time: number }): void {
    this.set('p-funding', `${f.funding_rate}`);
    this.nextFunding = f.next_funding_time;
  }

  /** Called every second: the countdown, and staleness of every value. */
  tick(now: number, connectionLive: boolean): void {
    if (this.nextFunding !== undefined) {
      const s = Math.max(0, Math.round((this.nextFunding - now) / 1000));
      $('p-countdown').textContent = `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    }
    for (const [id, at] of this.updatedAt) setStale($(id).parentElement!, !connectionLive || now - at > STALE_AFTER_MS);
  }

  clear(): void {
    for (const id of this.updatedAt.keys()) $(id).textContent = '–';
    this.updatedAt.clear();
    this.nextFunding = undefined;
    $('p-countdown').textContent = '–';
  }

  private set(id: string, value: string, tone?: string): void {
    const e = $(id);
    e.textContent = value;
    e.className = tone ?? '';
    this.updatedAt.set(id, Date.now());
  }
}
