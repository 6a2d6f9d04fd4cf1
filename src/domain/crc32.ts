// CRC-32 (IEEE 802.3, as zlib's crc32), table-driven and incremental over strings, so a checksum
// can be taken over many short strings without joining them first. Pure: the web page bundles it.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// Slicing-by-4: TABLES[k * 256 + n] is the CRC of byte n followed by k zero bytes, so four ASCII
// characters (every price and size string) take one step instead of four.
const TABLES = (() => {
  const t = new Uint32Array(1024);
  t.set(TABLE);
  for (let k = 1; k < 4; k++) for (let n = 0; n < 256; n++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ TABLE[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** The running value to start from. */
export const CRC32_START = 0xffffffff;

const byte = (c: number, b: number): number => TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);

/** Feeds the UTF-8 bytes of `s` into a running CRC. */
export function crc32Update(crc: number, s: string): number {
  let c = crc;
  let i = 0;
  for (const n = s.length - 3; i < n; i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const d = s.charCodeAt(i + 2);
    const e = s.charCodeAt(i + 3);
    if ((a | b | d | e) >= 0x80) break; // the byte-wise path below takes the rest
    c ^= a | (b << 8) | (d << 16) | (e << 24);
    c = TABLES[768 + (c & 0xff)]! ^ TABLES[512 + ((c >>> 8) & 0xff)]! ^ TABLES[256 + ((c >>> 16) & 0xff)]! ^ TABLES[c >>> 24]!;
  }
  for (; i < s.length; i++) {
    let code = s.charCodeAt(i);
    if (code < 0x80) {
      c = byte(c, code);
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    } else if (code >= 0xd800 && code < 0xe000) code = 0xfffd; // a lone surrogate, as TextEncoder writes it
    if (code < 0x800) {
      c = byte(c, 0xc0 | (code >> 6));
    } else if (code < 0x10000) {
      c = byte(c, 0xe0 | (code >> 12));
      c = byte(c, 0x80 | ((code >> 6) & 0x3f));
    } else {
      c = byte(c, 0xf0 | (code >> 18));
      c = byte(c, 0x80 | ((code >> 12) & 0x3f));
      c = byte(c, 0x80 | ((code >> 6) & 0x3f));
    }
    c = byte(c, 0x80 | (code & 0x3f));
  }
  return c;
}

/** The unsigned CRC-32 of a finished running value. */
export const crc32Finish = (crc: number): number => (crc ^ 0xffffffff) >>> 0;

/** CRC-32 of a string's UTF-8 bytes, unsigned. */
export const crc32 = (s: string): number => crc32Finish(crc32Update(CRC32_START, s));
