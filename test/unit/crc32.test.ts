import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32, crc32Append, crc32Finish, crc32Shift, crc32Unfeed, crc32Update, CRC32_START, utf8Length } from '../../src/domain/crc32.js';

describe('crc32 (the book checksum\'s CRC, shared with the web page)', () => {
  it('equals zlib\'s CRC-32 of the UTF-8 bytes, for any string (surrogates included)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => assert.equal(crc32(s), zlibCrc32(Buffer.from(s, 'utf8')) >>> 0)));
    assert.equal(crc32('100.0:2:100.5:3:99.5:1'), zlibCrc32('100.0:2:100.5:3:99.5:1') >>> 0);
    assert.equal(crc32(''), 0);
  });

  it('equals zlib also for ASCII runs mixed with other characters (the four-at-a-time path)', () => {
    const mixed = fc.array(fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 5 })), { maxLength: 12 }).map((xs) => xs.join(''));
    fc.assert(fc.property(mixed, (s) => assert.equal(crc32(s), zlibCrc32(Buffer.from(s, 'utf8')) >>> 0)), { numRuns: 2000 });
  });

  it('fed piece by piece equals the CRC of the joined string', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 40 }), (parts) => {
        let c = CRC32_START;
        for (const p of parts) c = crc32Update(c, p);
        assert.equal(crc32Finish(c), crc32(parts.join('')));
      }),
    );
  });

  it('appending segments whose raw CRC is known equals feeding their strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 30 }), (parts) => {
        let c = CRC32_START;
        for (const p of parts) c = crc32Append(c, crc32Update(0, p), crc32Shift(utf8Length(p)));
        assert.equal(crc32Finish(c), zlibCrc32(Buffer.from(parts.join(''), 'utf8')) >>> 0);
      }),
      { numRuns: 500 },
    );
  });

  it('steps back over a byte it fed', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 127 }), (c, b) => assert.equal(crc32Unfeed(crc32Update(c, String.fromCharCode(b)) >>> 0, b), c)));
  });
});
