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

// Appending a known segment: the register is linear, so feeding bytes B into c gives
// Z_len(B)(c) ^ feed(0, B), where Z_n feeds n zero bytes. Z_n is a 32×32 bit matrix, kept as four
// 256-entry tables (one per byte of c) and made once per length met, so a segment whose raw CRC
// is known costs four lookups however long it is (a client's checksum over cached levels).
const SHIFTS: Uint32Array[] = [];

/** The table that moves a running CRC past `len` bytes (for crc32Append). */
export function crc32Shift(len: number): Uint32Array {
  let t = SHIFTS[len];
  if (t) return t;
  t = new Uint32Array(1024);
  for (let k = 0; k < 4; k++) {
    for (let n = 0; n < 256; n++) {
      let v = (n << (8 * k)) >>> 0;
      for (let i = 0; i < len; i++) v = TABLE[v & 0xff]! ^ (v >>> 8);
      t[k * 256 + n] = v;
    }
  }
  SHIFTS[len] = t;
  return t;
}

/** The UTF-8 length of a string: with crc32Update(0, s), its part of any CRC it is fed into. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) n += 1;
    else if (code < 0x800) n += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** crc32Update(crc, s), given segCrc = crc32Update(0, s) and t = crc32Shift(utf8Length(s)). */
export function crc32Append(crc: number, segCrc: number, t: Uint32Array): number {
  return (t[crc & 0xff]! ^ t[256 + ((crc >>> 8) & 0xff)]! ^ t[512 + ((crc >>> 16) & 0xff)]! ^ t[768 + (crc >>> 24)]! ^ segCrc) >>> 0;
}

/** TABLE's top bytes are a permutation of 0..255: the index each one came from. */
const TOP_BYTE_INDEX = (() => {
  const t = new Uint8Array(256);
  for (let n = 0; n < 256; n++) t[TABLE[n]! >>> 24] = n;
  return t;
})();

/** The running value that feeding `byte` turns into `crc`: a CRC step is invertible. */
export function crc32Unfeed(crc: number, byte: number): number {
  const idx = TOP_BYTE_INDEX[crc >>> 24]!;
  return ((((crc ^ TABLE[idx]!) << 8) | (idx ^ byte)) & 0xffffffff) >>> 0;
}

const COLON = crc32Update(0, ':');

/**
 * The CRC of one level's segment of a checksum payload, ":price:size", from a zero start, to be
 * combined with crc32Append: the payload's levels are joined by ":", so each carries its leading one.
 */
export const levelSegmentCrc = (price: string, size: string): number => crc32Update(crc32Update(crc32Update(COLON, price), ':'), size);

/** The running value a ":" turns into the CRC's start: a payload fed as segments then cancels the first level's ":". */
export const LEVELS_START = crc32Unfeed(CRC32_START, 0x3a);
