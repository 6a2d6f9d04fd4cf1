import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecimalError, formatScaled, Increment, multiply } from '../../src/domain/decimal.js';

// Increments the instruments use: 1, 0.5, 0.1, 0.25, 0.01, 0.001, 0.00001, 1e-8, 5, 10 ...
const increment = fc
  .tuple(fc.constantFrom(1, 2, 5, 25), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 1 }))
  .map(([m, decimals, big]) => {
    const digits = String(m * (big ? 10 : 1));
    const padded = digits.padStart(decimals + 1, '0');
    const s = decimals ? `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}` : padded;
    return s.replace(/^0+(?=\d)/, '');
  });

const reason = (r: string) => (e: unknown) => e instanceof DecimalError && e.reason === r;

describe('Increment (exact decimal ↔ integer units)', () => {
  it('round trips any whole number of increments, exactly and canonically', () => {
    fc.assert(
      fc.property(increment, fc.integer({ min: 0, max: 2 ** 40 }), (size, units) => {
        const inc = Increment.parse(size);
        const text = inc.format(units);
        assert.match(text, /^(0|[1-9]\d*)(\.\d+)?$/);
        assert.equal(inc.toUnits(text), units);
        // the same value with extra trailing zeros means the same units
        assert.equal(inc.toUnits(text.includes('.') ? `${text}000` : `${text}.000`), units);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with a BigInt reference for the decimal value', () => {
    fc.assert(
      fc.property(increment, fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), (size, units) => {
        const inc = Increment.parse(size);
        const text = inc.format(Number(units));
        // value = units * size, computed in BigInt at a common scale
        const [w, f = ''] = size.split('.');
        const expected = formatScaled(units * BigInt(w! + f), f.length);
        assert.equal(text.includes('.') ? text.replace(/\.?0+$/, '') : text, expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects prices off the increment with reason off_increment', () => {
    fc.assert(
      fc.property(increment, fc.integer({ min: 0, max: 2 ** 30 }), (size, units) => {
        const inc = Increment.parse(size);
        // half an increment past a valid value is never on the grid... unless the step is odd at the last digit
        const base = inc.format(units);
        const offByOneDigit = `${base}${base.includes('.') ? '' : '.'}${'0'.repeat(inc.decimals)}1`;
        assert.throws(() => inc.toUnits(offByOneDigit), reason('off_increment'));
      }),
    );
    assert.throws(() => Increment.parse('0.5').toUnits('64123.2'), reason('off_increment'));
    assert.throws(() => Increment.parse('0.01').toUnits('1.005'), reason('off_increment'));
    assert.throws(() => Increment.parse('5').toUnits('12'), reason('off_increment'));
  });

  it('rejects negative values with reason negative', () => {
    fc.assert(
      fc.property(increment, fc.integer({ min: 1, max: 2 ** 30 }), (size, units) => {
        const inc = Increment.parse(size);
        assert.throws(() => inc.toUnits(`-${inc.format(units)}`), reason('negative'));
      }),
    );
  });

  it('rejects malformed values with reason malformed', () => {
    const inc = Increment.parse('0.01');
    for (const bad of ['', ' 1', '1 ', '+1', '1e3', '1E-2', '.5', '5.', '01.5', '0x10', 'NaN', 'Infinity', '1,5', '١٢', '--1', '1.2.3']) {
      assert.throws(() => inc.toUnits(bad), reason('malformed'), bad);
    }
    assert.throws(() => inc.toUnits(1 as unknown as string), reason('malformed'));
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (/^(0|[1-9]\d*)(\.\d+)?$/.test(s)) return;
        assert.throws(() => inc.toUnits(s), (e: unknown) => e instanceof DecimalError);
      }),
    );
  });

  it('rejects values beyond 2^53 units with reason too_large', () => {
    assert.throws(() => Increment.parse('0.00000001').toUnits('100000000000'), reason('too_large'));
    assert.equal(Increment.parse('0.00000001').toUnits('90071992.54740991'), 2 ** 53 - 1);
  });

  it('parses increments and refuses zero or malformed ones', () => {
    assert.deepEqual([Increment.parse('0.50').step, Increment.parse('0.50').decimals], [5, 1]);
    assert.deepEqual([Increment.parse('10').step, Increment.parse('10').decimals], [10, 0]);
    for (const bad of ['0', '0.000', '-1', 'abc', '1e-3']) assert.throws(() => Increment.parse(bad), DecimalError, bad);
  });

  it('converts a coarser increment into units of a finer one', () => {
    assert.equal(Increment.parse('0.1').unitsOf(Increment.parse('0.5')), 5);
    assert.equal(Increment.parse('0.5').unitsOf(Increment.parse('10')), 20);
    assert.throws(() => Increment.parse('0.5').unitsOf(Increment.parse('0.75')), reason('off_increment'));
  });

  it('multiplies price by quantity exactly', () => {
    const tick = Increment.parse('0.1');
    const lot = Increment.parse('0.001');
    const n = multiply(tick.toUnits('64123.7'), tick, lot.toUnits('1.234'), lot);
    assert.equal(formatScaled(n.units, n.decimals), '79128.6458');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (p, q) => {
        const r = multiply(p, tick, q, lot);
        assert.equal(r.units, BigInt(p) * BigInt(q));
        assert.equal(r.decimals, 4);
      }),
    );
  });
});
