// Streams read outside uWS topics (clients over their budget, SSE): counted per stream, so the
// hub keeps building those streams' messages, and caught up in merged form on a timer.
import type { MarketHub } from './market-hub.js';
import type { ResolvedStream } from './stream-resolver.js';

export class CatchUpReaders {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const n = (this.counts.get(key) ?? 0) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }
}

export interface CatchUpSub extends ResolvedStream {
  cursor: number;
}

/** Sends what `sub` missed since its cursor (merged), and moves the cursor; returns the number of messages. */
export function catchUpOne(hub: MarketHub, sub: CatchUpSub, send: (json: string) => void): number {
  const { msgs, cursor } = hub.catchUp(sub.key, sub.channel, sub.symbol, sub.cursor);
  sub.cursor = cursor;
  for (const m of msgs) send(m);
  return msgs.length;
}
