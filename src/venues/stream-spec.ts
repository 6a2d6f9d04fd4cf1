// What a venue stream is, as the control API, VENUE_STREAMS and the stream table know it, and
// how one is checked. Pure.
import { VENUES } from './adapters/index.js';
import { VENUE_KINDS, venueSymbol, type VenueKind } from './venue.js';

export interface StreamSpec {
  /** Stable: `venue.BASE-QUOTE[-SETTLE].kind`, so the same stream cannot be added twice. */
  id: string;
  venue: string;
  /** ccxt's unified symbol (BTC/USDT, BTC/USDT:USDT). */
  symbol: string;
  kind: VenueKind;
  /** Book levels per side served (1..1000); books only. */
  depth: number;
  /** Keep what the stream brings in the stores. */
  persist: boolean;
  /** Publish it to the md.venue.* topics. */
  publish: boolean;
}

/** A knob a PATCH may change. */
export type StreamKnobs = Partial<Pick<StreamSpec, 'depth' | 'persist' | 'publish'>>;

export class SpecError extends Error {}

const SYMBOL = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;
export const DEFAULT_DEPTH = 100;
export const MAX_DEPTH = 1000;

export const streamId = (venue: string, symbol: string, kind: string): string => `${venue}.${symbol.replace(/[/:]/g, '-')}.${kind}`;
export const streamVenueSymbol = (s: Pick<StreamSpec, 'venue' | 'symbol'>): string => venueSymbol(s.venue, s.symbol);

function depthOf(v: unknown, venue: string): number {
  const max = VENUES[venue]?.maxDepth ?? MAX_DEPTH;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw new SpecError(`depth must be a whole number from 1 to ${max}${max < MAX_DEPTH ? ` (${venue} streams no deeper)` : ''}, not ${JSON.stringify(v)}`);
  return v;
}

function boolOf(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new SpecError(`${name} must be true or false, not ${JSON.stringify(v)}`);
  return v;
}

/** A new stream from a request body (an object); throws SpecError naming what is wrong. */
export function parseStreamSpec(body: unknown): StreamSpec {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SpecError('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['venue', 'symbol', 'kind', 'depth', 'persist', 'publish'].includes(k));
  if (unknown.length) throw new SpecError(`unknown field ${JSON.stringify(unknown[0])}: a stream has venue, symbol, kind, depth, persist, publish`);
  const venue = b.venue;
  if (typeof venue !== 'string' || !VENUES[venue]) throw new SpecError(`venue must be one of ${Object.keys(VENUES).join(', ')}, not ${JSON.stringify(venue)}`);
  const symbol = b.symbol;
  if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) throw new SpecError(`symbol must be ccxt's unified symbol such as BTC/USDT or BTC/USDT:USDT, not ${JSON.stringify(symbol)}`);
  const kind = b.kind;
  if (typeof kind !== 'string' || !(VENUE_KINDS as readonly string[]).includes(kind)) throw new SpecError(`kind must be one of ${VENUE_KINDS.join(', ')}, not ${JSON.stringify(kind)}`);
  if (!VENUES[venue]!.kinds.includes(kind as VenueKind)) throw new SpecError(`${venue} has no ${kind} stream here (it has ${VENUES[venue]!.kinds.join(', ')})`);
  if (b.depth !== undefined && kind !== 'book') throw new SpecError('depth is for book streams only');
  return {
    id: streamId(venue, symbol, kind),
    venue,
    symbol,
    kind: kind as VenueKind,
    depth: b.depth === undefined ? Math.min(DEFAULT_DEPTH, VENUES[venue]!.maxDepth ?? DEFAULT_DEPTH) : depthOf(b.depth, venue),
    persist: b.persist === undefined ? false : boolOf('persist', b.persist),
    publish: b.publish === undefined ? false : boolOf('publish', b.publish),
  };
}

/** The knobs of a PATCH body; throws SpecError on anything else. */
export function parseKnobs(body: unknown, spec: Pick<StreamSpec, 'venue' | 'kind'>): StreamKnobs {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SpecError('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const other = Object.keys(b).filter((k) => !['depth', 'persist', 'publish'].includes(k));
  if (other.length) throw new SpecError(`${JSON.stringify(other[0])} cannot be changed: only depth, persist and publish (delete and add the stream for another)`);
  const knobs: StreamKnobs = {};
  if (b.depth !== undefined) {
    if (spec.kind !== 'book') throw new SpecError('depth is for book streams only');
    knobs.depth = depthOf(b.depth, spec.venue);
  }
  if (b.persist !== undefined) knobs.persist = boolOf('persist', b.persist);
  if (b.publish !== undefined) knobs.publish = boolOf('publish', b.publish);
  return knobs;
}

/**
 * VENUE_STREAMS: comma-separated `venue:SYMBOL@kind[:depth]`, e.g.
 * `binance:BTC/USDT@book:100,okx:BTC/USDT@trades`. Throws SpecError naming the bad entry.
 */
export function parseStreamList(raw: string): StreamSpec[] {
  const out: StreamSpec[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9]+):([^@]+)@([a-z]+)(?::(\d+))?$/.exec(entry);
    if (!m) throw new SpecError(`${JSON.stringify(entry)} is not venue:SYMBOL@kind[:depth]`);
    try {
      out.push(parseStreamSpec({ venue: m[1], symbol: m[2], kind: m[3], ...(m[4] ? { depth: Number(m[4]) } : {}) }));
    } catch (err) {
      throw new SpecError(`${JSON.stringify(entry)}: ${(err as Error).message}`);
    }
  }
  return out;
}
