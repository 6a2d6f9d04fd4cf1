// Book checks ccxt does not make for some venues, run on each raw venue message before ccxt takes
// it: a sequence chain (bybit's `u`; Coinbase's per connection), and checksums over a shadow of each book (OKX's CRC-32 of the
// top 25 levels, Kraken's of the top 10). A failure drops the message and has the book rebuilt
// from a fresh subscription (never served wrong).
import { crc32 } from '../domain/crc32.js';
import type { Increment } from '../domain/decimal.js';
import { unitsOf } from './exact.js';

/**
 * A failed check: which market (the venue's own id; undefined: every book on the connection), of
 * which type where a venue gives a spot and a perpetual market the same id (bybit), and why.
 */
export interface VerifyFailure {
  marketId: string | undefined;
  marketType?: 'spot' | 'contract';
  problem: string;
}

export interface BookVerifier {
  /** `url`: the socket the message came on (a venue may serve its market types on different ones). */
  check(message: unknown, url?: string): VerifyFailure | undefined;
}

export interface ChainPoint {
  marketId: string;
  marketType?: 'spot' | 'contract';
  snapshot: boolean;
  id: number;
  /** The id the update follows (undefined for a snapshot). */
  prev: number | undefined;
}

/** Updates must chain (prev = the last id) from the latest snapshot; after a break nothing passes until the next snapshot. */
export function chainVerifier(extract: (message: unknown, url?: string) => ChainPoint | undefined): BookVerifier {
  const last = new Map<string, number | 'broken'>();
  return {
    check(message, url) {
      const p = extract(message, url);
      if (!p) return undefined;
      const key = `${p.marketType ?? ''}/${p.marketId}`;
      const failure = (problem: string): VerifyFailure => ({ marketId: p.marketId, ...(p.marketType ? { marketType: p.marketType } : {}), problem });
      if (p.snapshot) {
        last.set(key, p.id);
        return undefined;
      }
      const at = last.get(key);
      if (at === 'broken') return failure('update after a break, before a snapshot');
      if (at !== undefined && p.prev !== at) {
        last.set(key, 'broken');
        return failure(`update ${p.prev}→${p.id} does not follow ${at}`);
      }
      last.set(key, p.id);
      return undefined;
    },
  };
}

/**
 * A sequence number over the whole connection (Coinbase's `sequence_num`: every message on a socket
 * counts, whatever its channel; a new socket starts at 0). A number skipped means a lost message of
 * some product: every book on the connection is rebuilt, and nothing passes until a new socket.
 */
export function connectionSequenceVerifier(sequence: (message: unknown) => number | undefined): BookVerifier {
  let last: number | 'broken' | undefined;
  return {
    check(message) {
      const n = sequence(message);
      if (n === undefined) return undefined;
      if (n === 0) {
        last = 0;
        return undefined;
      }
      if (last === 'broken') return { marketId: undefined, problem: `message ${n} after a lost one, before a new connection` };
      if (last !== undefined && n !== last + 1) {
        const problem = n > last ? `messages ${last + 1}..${n - 1} of the connection lost` : `message ${n} after ${last}`;
        last = 'broken';
        return { marketId: undefined, problem };
      }
      last = n;
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

/** How a checksum verifier reads one venue's book messages. */
interface ShadowBookRules<L, P, Q> {
  /** The book updates in a raw message, or undefined when it is none. */
  updates(message: unknown): { marketId: string; snapshot: boolean; bids?: L[]; asks?: L[]; checksum?: number }[] | undefined;
  /** A level as price and size (undefined: removed); throws when it is not one of that market. */
  level(l: L, marketId: string): [P, Q | undefined];
  ascending(a: P, b: P): number;
  /** Levels a side the checksum covers. */
  depth: number;
  checksum(bids: [P, Q][], asks: [P, Q][]): number;
}

/** A shadow of each book, kept from the raw messages, its checksum compared with the venue's after every message. */
function shadowChecksumVerifier<L, P, Q>(rules: ShadowBookRules<L, P, Q>): BookVerifier {
  const books = new Map<string, { bids: Map<P, Q>; asks: Map<P, Q> } | 'broken'>();
  const top = (side: Map<P, Q>, desc: boolean) => [...side].sort((a, b) => (desc ? rules.ascending(b[0], a[0]) : rules.ascending(a[0], b[0]))).slice(0, rules.depth);
  return {
    check(message) {
      for (const u of rules.updates(message) ?? []) {
        const id = u.marketId;
        let b = books.get(id);
        if (u.snapshot) books.set(id, (b = { bids: new Map(), asks: new Map() }));
        if (b === 'broken') return { marketId: id, problem: 'update after a failed check, before a snapshot' };
        if (!b) return undefined; // an update before any snapshot: ccxt ignores it too
        try {
          for (const [side, levels] of [[b.bids, u.bids], [b.asks, u.asks]] as const) {
            for (const l of levels ?? []) {
              const [p, q] = rules.level(l, id);
              if (q === undefined) side.delete(p);
              else side.set(p, q);
            }
          }
        } catch (err) {
          books.set(id, 'broken');
          return { marketId: id, problem: (err as Error).message };
        }
        if (typeof u.checksum !== 'number') continue;
        const got = rules.checksum(top(b.bids, true), top(b.asks, false));
        if (got !== u.checksum) {
          books.set(id, 'broken');
          return { marketId: id, problem: `checksum ${u.checksum} expected, the book gives ${got}` };
        }
      }
      return undefined;
    },
  };
}

interface OkxBooksMessage {
  arg?: { channel?: string; instId?: string };
  action?: string;
  data?: { bids?: string[][]; asks?: string[][]; checksum?: number }[];
}

/** OKX `books`: the shadow books in the venue's own strings. */
export function okxChecksumVerifier(): BookVerifier {
  return shadowChecksumVerifier<string[], string, string>({
    updates(message) {
      const m = message as OkxBooksMessage;
      if (m?.arg?.channel !== 'books' || !m.arg.instId || !Array.isArray(m.data) || (m.action !== 'snapshot' && m.action !== 'update')) return undefined;
      return m.data.map((d) => ({ marketId: m.arg!.instId!, snapshot: m.action === 'snapshot', bids: d.bids, asks: d.asks, checksum: d.checksum }));
    },
    level: (l) => [String(l[0]), Number(l[1]) === 0 ? undefined : String(l[1])],
    ascending: (a, b) => Number(a) - Number(b),
    depth: 25,
    checksum: okxChecksum,
  });
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
  data?: { symbol?: string; bids?: KrakenLevel[]; asks?: KrakenLevel[]; checksum?: number }[];
}
type KrakenLevel = { price: number; qty: number };

/**
 * Kraken `book` (v2): the shadow books in ticks and lots. ccxt has the check but keeps it off ("not
 * reliable"): Kraken has no sequence numbers, so this is the only thing that catches a lost or
 * spoiled update (one that reaches the top 10).
 */
export function krakenChecksumVerifier(increments: (symbol: string) => { tick: Increment; lot: Increment } | undefined): BookVerifier {
  return shadowChecksumVerifier<KrakenLevel, number, number>({
    updates(message) {
      const m = message as KrakenBookMessage;
      if (m?.channel !== 'book' || (m.type !== 'snapshot' && m.type !== 'update') || !Array.isArray(m.data)) return undefined;
      // a market ccxt does not list is left to ccxt, which ignores it too
      return m.data.filter((d) => increments(String(d.symbol))).map((d) => ({ marketId: String(d.symbol), snapshot: m.type === 'snapshot', bids: d.bids, asks: d.asks, checksum: d.checksum }));
    },
    level(l, marketId) {
      const inc = increments(marketId)!;
      const q = unitsOf(l.qty, inc.lot);
      return [unitsOf(l.price, inc.tick), q === 0 ? undefined : q];
    },
    ascending: (a, b) => a - b,
    depth: 10,
    checksum: krakenChecksum,
  });
}
