import { crc32 } from 'node:zlib';
import type { Increment } from './decimal.js';
import { levelStrings } from './instrument.js';
import type { OrderBook } from './order-book.js';
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
  return crc32(checksumPayload(bids, asks, depth)) >>> 0;
}

/** The checksum of a book held in ticks and lots, formatted with the instrument's increments. */
export function bookChecksum(book: OrderBook, tick: Increment, lot: Increment, depth = 0): number {
  const n = depth > 0 ? depth : Infinity;
  return checksumOfStrings(levelStrings({ tick, lot }, book.bids.top(n)), levelStrings({ tick, lot }, book.asks.top(n)), depth);
}
