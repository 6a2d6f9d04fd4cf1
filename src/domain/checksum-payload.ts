// The string the book checksum is computed over (see book-checksum.ts for the algorithm). Kept
// free of Node imports: the web page bundles it to verify its book with its own CRC-32.

export function checksumPayload(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[], depth = 0): string {
  const n = depth > 0 ? depth : Math.max(bids.length, asks.length);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = bids[i];
    if (b) parts.push(b[0], b[1]);
    const a = asks[i];
    if (a) parts.push(a[0], a[1]);
  }
  return parts.join(':');
}
