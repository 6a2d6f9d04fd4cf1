import { crc32, crc32Finish, crc32Update, CRC32_START } from './crc32.js';
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

/**
 * The checksum of a book held in ticks and lots, formatted with the instrument's increments.
 * Same value as checksumOfStrings over the formatted levels, without building them: it runs for
 * every book message, so the CRC is fed string by string.
 */
export function bookChecksum(book: OrderBook, tick: Increment, lot: Increment, depth = 0): number {
  const most = Math.max(book.bids.length, book.asks.length);
  const n = depth > 0 ? Math.min(depth, most) : most;
  let crc = CRC32_START;
  let first = true;
  const level = (side: BookSide, i: number) => {
    if (!first) crc = crc32Update(crc, ':');
    first = false;
    crc = crc32Update(crc, tick.format(side.priceOfLevel(i)));
    crc = crc32Update(crc, ':');
    crc = crc32Update(crc, lot.format(side.sizeOfLevel(i)));
  };
  for (let i = 0; i < n; i++) {
    if (i < book.bids.length) level(book.bids, i);
    if (i < book.asks.length) level(book.asks, i);
  }
  return crc32Finish(crc);
}
