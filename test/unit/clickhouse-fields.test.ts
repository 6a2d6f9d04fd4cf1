import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { tsvDecimalArray, utcDate } from '../../src/store/clickhouse.js';

describe('ClickHouse row fields', () => {
  it('utcDate is the UTC calendar date of any time, however the calls alternate between days', () => {
    const edges = [0, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1)];
    const expected = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    for (const ms of [...edges, ...[...edges].reverse()]) assert.equal(utcDate(ms), expected(ms), `at ${ms}`);
    const near = fc.oneof(fc.constantFrom(...edges).chain((e) => fc.integer({ min: Math.max(0, e - 5), max: e + 5 })), fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }));
    fc.assert(fc.property(fc.array(near, { minLength: 1, maxLength: 20 }), (times) => times.every((ms) => utcDate(ms) === expected(ms))), { numRuns: 2000 });
  });

  it('a decimal array keeps every value as written', () => {
    assert.equal(tsvDecimalArray(['1.50', '0.000000001', '2']), '[1.50,0.000000001,2]');
    assert.equal(tsvDecimalArray([]), '[]');
  });
});
