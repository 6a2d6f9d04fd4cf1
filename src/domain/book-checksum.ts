import { crc32, crc32Append, crc32Finish, crc32Shift, LEVELS_START, levelSegmentCrc } from './crc32.js';
import type { Increment } from './decimal.js';
import type { BookSide, OrderBook } from './order-book.js';
import { checksumPayload } from './checksum-payload.js';

/** Levels per side covered by the checksum on every published book message. */
export const CHECKSUM_DEPTH = 25;

/**
 * The book checksum (algorithm "crc32-interleaved-v1"), used both for the engine's book hashes
 * (depth 0 = every level) and for the WebSocket book checksum (top 25 levels):
 *
 *   for i = 0 .. depth-1:  if bid i exists append its price and size,
 *                          if ask i exists append its price and size
 *   checksum = CRC-32 (IEEE 802.3, as zlib) of those strings joined by ":" in UTF-8, unsigned.
 *
 * Prices and sizes are the canonical decimal strings of the wire (the instrument's tick and lot
 * decimals, e.g. "64123.50"), so a client verifies its book with the very strings it received.
 * Example: bids [["100.0","2"],["99.5","1"]], asks [["100.5","3"]] → CRC-32 of "100.0:2:100.5:3:99.5:1".
 */
export const CHECKSUM_ALGORITHM = 'crc32-interleaved-v1';

export function checksumOfStrings(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[], depth = 0): number {
  return crc32(checksumPayload(bids, asks, depth));
}

/** ":price:size" of one level as a CRC segment: its raw CRC and the table that shifts a running CRC past it. */
interface Segment {
  size: number;
  crc: number;
  shift: Uint32Array;
}

/** A side's segments by price, made with one pair of increments. */
interface SideSegments {
  tick: Increment;
  lot: Increment;
  byPrice: Map<number, Segment>;
}

const segmentsOf = new WeakMap<BookSide, SideSegments>();

function sideSegments(side: BookSide, tick: Increment, lot: Increment): SideSegments {
  let s = segmentsOf.get(side);
  if (s === undefined || s.tick !== tick || s.lot !== lot) {
    s = { tick, lot, byPrice: new Map() };
    segmentsOf.set(side, s);
  }
  return s;
}

function feedLevel(crc: number, side: BookSide, i: number, segs: SideSegments, limit: number): number {
  const price = side.priceOfLevel(i);
  const size = side.sizeOfLevel(i);
  let seg = segs.byPrice.get(price);
  if (seg === undefined || seg.size !== size) {
    const p = segs.tick.format(price);
    const q = segs.lot.format(size);
    const segCrc = levelSegmentCrc(p, q);
    const shift = crc32Shift(2 + p.length + q.length); // the strings are ASCII digits
    if (seg === undefined) {
      // levels that left the covered depth are dropped all at once, not tracked one by one
      if (segs.byPrice.size >= limit) segs.byPrice.clear();
      seg = { size, crc: segCrc, shift };
      segs.byPrice.set(price, seg);
    } else {
      seg.size = size;
      seg.crc = segCrc;
      seg.shift = shift;
    }
  }
  return crc32Append(crc, seg.crc, seg.shift);
}

/**
 * The checksum of a book held in ticks and lots, formatted with the instrument's increments.
 * Same value as checksumOfStrings over the formatted levels, without building them: it runs for
 * every book message, so each level's segment is made once per size and the CRC is combined from
 * the segments (four table lookups per level; crc32Append).
 */
export function bookChecksum(book: OrderBook, tick: Increment, lot: Increment, depth = 0): number {
  const most = Math.max(book.bids.length, book.asks.length);
  const n = depth > 0 ? Math.min(depth, most) : most;
  const limit = 2 * n + 64;
  const bidSegs = sideSegments(book.bids, tick, lot);
  const askSegs = sideSegments(book.asks, tick, lot);
  let crc = LEVELS_START;
  for (let i = 0; i < n; i++) {
    if (i < book.bids.length) crc = feedLevel(crc, book.bids, i, bidSegs, limit);
    if (i < book.asks.length) crc = feedLevel(crc, book.asks, i, askSegs, limit);
  }
  return n === 0 ? 0 : crc32Finish(crc);
}
