// Book checks ccxt does not make for some venues, run on each raw venue message before ccxt takes
// it: a sequence chain (bybit's `u`), OKX's CRC-32 of the top 25 levels and Kraken's of the top 10. A failure drops the
// message and has the book rebuilt from a fresh subscription (never served wrong).
import { crc32 } from '../domain/crc32.js';
import type { Increment } from '../domain/decimal.js';
import { unitsOf } from './exact.js';

/** A failed check: which market (the venue's own id) and why. */
export interface VerifyFailure {
  marketId: string;
  problem: string;
}

export interface BookVerifier {
  check(message: unknown): VerifyFailure | undefined;
}

export interface ChainPoint {
  marketId: string;
  snapshot: boolean;
  id: number;
  /** The id the update follows (undefined for a snapshot). */
  prev: number | undefined;
}

/** Updates must chain (prev = the last id) from the latest snapshot; after a break nothing passes until the next snapshot. */
export function chainVerifier(extract: (message: unknown) => ChainPoint | undefined): BookVerifier {
  const last = new Map<string, number | 'broken'>();
  return {
    check(message) {
      const p = extract(message);
      if (!p) return undefined;
      if (p.snapshot) {
        last.set(p.marketId, p.id);
        return undefined;
      }
      const at = last.get(p.marketId);
      if (at === 'broken') return { marketId: p.marketId, problem: 'update after a break, before a snapshot' };
      if (at !== undefined && p.prev !== at) {
        last.set(p.marketId, 'broken');
        return { marketId: p.marketId, problem: `update ${p.prev}→${p.id} does not follow ${at}` };
      }
      last.set(p.marketId, p.id);
      return undefined;
    },
  };
}

/** OKX's checksum: CRC-32 of "bid:size:ask:size:..." over the top 25 levels (the venue's own strings), as a signed 32-bit integer. */
export function okxChecksum(bids: readonly (readonly string[])[], asks: readonly (readonly string[])[]): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (bids[i]) parts.push(bids[i]![0]!, bids[i]![1]!);
    if (asks[i]) parts.push(asks[i]![0]!, asks[i]![1]!);
  }
  return crc32(parts.join(':')) | 0;
}

interface OkxBooksMessage {
  arg?: { channel?: string; instId?: string };
  action?: string;
  data?: { bids?: string[][]; asks?: string[][]; checksum?: number }[];
}

/** OKX `books`: a shadow of each book in the venue's own strings, its checksum compared after every message. */
export function okxChecksumVerifier(): BookVerifier {
  const books = new Map<string, { bids: Map<string, string>; asks: Map<string, string> } | 'broken'>();
  const top = (side: Map<string, string>, desc: boolean) =>
    [...side].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, 25);
  return {
    check(message) {
      const m = message as OkxBooksMessage;
      if (m?.arg?.channel !== 'books' || !m.arg.instId || !Array.isArray(m.data) || (m.action !== 'snapshot' && m.action !== 'update')) return undefined;
      const id = m.arg.instId;
      for (const d of m.data) {
        let b = books.get(id);
        if (m.action === 'snapshot') books.set(id, (b = { bids: new Map(), asks: new Map() }));
        if (b === 'broken') return { marketId: id, problem: 'update after a failed checksum, before a snapshot' };
        if (!b) return undefined; // an update before any snapshot: ccxt ignores it too
        for (const [side, levels] of [[b.bids, d.bids], [b.asks, d.asks]] as const) {
          for (const l of levels ?? []) {
            if (Number(l[1]) === 0) side.delete(String(l[0]));
            else side.set(String(l[0]), String(l[1]));
          }
        }
        if (typeof d.checksum !== 'number') continue;
        const got = okxChecksum(top(b.bids, true), top(b.asks, false));
        if (got !== d.checksum) {
          books.set(id, 'broken');
          return { marketId: id, problem: `checksum ${d.checksum} expected, the book gives ${got}` };
        }
      }
      return undefined;
    },
  };
}

/**
 * Kraken's book checksum (spot WebSocket v2): CRC-32, unsigned, of the top 10 asks (best first)
 * then the top 10 bids, each as price then qty formatted with the pair's decimals, the point and
 * leading zeros removed: the whole numbers of ticks and lots, written out. Levels are given in
 * those units.
 */
export function krakenChecksum(bids: readonly (readonly [number, number])[], asks: readonly (readonly [number, number])[]): number {
  let s = '';
  for (const [p, q] of asks.slice(0, 10)) s += `${p}${q}`;
  for (const [p, q] of bids.slice(0, 10)) s += `${p}${q}`;
  return crc32(s);
}

interface KrakenBookMessage {
  channel?: string;
  type?: string;
  data?: { symbol?: string; bids?: { price: number; qty: number }[]; asks?: { price: number; qty: number }[]; checksum?: number }[];
}

/**
 * Kraken `book` (v2): a shadow of each book in ticks and lots, its checksum compared after every
 * message. ccxt has the check but keeps it off ("not reliable"): Kraken has no sequence numbers, so
 * this is the only thing that catches a lost or spoiled update (one that reaches the top 10).
 */
export function krakenChecksumVerifier(increments: (symbol: string) => { tick: Increment; lot: Increment } | undefined): BookVerifier {
  const books = new Map<string, { bids: Map<number, number>; asks: Map<number, number> } | 'broken'>();
  const top = (side: Map<number, number>, desc: boolean) => [...side].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0])).slice(0, 10);
  return {
    check(message) {
      const m = message as KrakenBookMessage;
      if (m?.channel !== 'book' || (m.type !== 'snapshot' && m.type !== 'update') || !Array.isArray(m.data)) return undefined;
      for (const d of m.data) {
        const id = String(d.symbol);
        const inc = increments(id);
        if (!inc) return undefined; // a market ccxt does not list: it ignores the message too
        let b = books.get(id);
        if (m.type === 'snapshot') books.set(id, (b = { bids: new Map(), asks: new Map() }));
        if (b === 'broken') return { marketId: id, problem: 'update after a failed checksum, before a snapshot' };
        if (!b) return undefined;
        try {
          for (const [side, levels] of [[b.bids, d.bids], [b.asks, d.asks]] as const) {
            for (const l of levels ?? []) {
              const p = unitsOf(l.price, inc.tick);
              const q = unitsOf(l.qty, inc.lot);
              if (q === 0) side.delete(p);
              else side.set(p, q);
            }
          }
        } catch (err) {
          books.set(id, 'broken');
          return { marketId: id, problem: (err as Error).message };
        }
        if (typeof d.checksum !== 'number') continue;
        const got = krakenChecksum(top(b.bids, true), top(b.asks, false));
        if (got !== d.checksum) {
          books.set(id, 'broken');
          return { marketId: id, problem: `checksum ${d.checksum} expected, the book gives ${got}` };
        }
      }
      return undefined;
    },
  };
}
