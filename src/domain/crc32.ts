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

/** The running value to start from. */
export const CRC32_START = 0xffffffff;

const byte = (c: number, b: number): number => TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);

/** Feeds the UTF-8 bytes of `s` into a running CRC. */
export function crc32Update(crc: number, s: string): number {
  let c = crc;
  for (let i = 0; i < s.length; i++) {
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
