import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TradeWatermarks } from '../../src/ingest/trade-watermarks.js';

describe('trade watermarks (committed offset metadata)', () => {
  it('round-trips the highest published trade of each symbol of a partition', () => {
    const w = new TradeWatermarks();
    w.note([{ symbol: 'A', sequence: 5 }, { symbol: 'B', sequence: 9 }, { symbol: 'A', sequence: 3 }]);
    const meta = w.metadata(['A', 'C']);
    const other = new TradeWatermarks();
    assert.deepEqual([...other.load(meta)], [['A', 5]]);
    assert.equal(other.get('A'), 5, 'a core that takes over carries the marks forward in its own commits');
  });

  it('ignores metadata it did not write, and stays within Kafka metadata size', () => {
    const w = new TradeWatermarks();
    for (const m of ['', null, 'not json', '{"trades":{"A":"x","B":1.5}}']) assert.equal(w.load(m).size, 0);
    w.note(Array.from({ length: 500 }, (_, i) => ({ symbol: `SYMBOL-${i}-USDT-PERP`, sequence: 1e12 + i })));
    assert.equal(w.metadata(Array.from({ length: 500 }, (_, i) => `SYMBOL-${i}-USDT-PERP`)), '');
    const withRound = w.metadata(Array.from({ length: 500 }, (_, i) => `SYMBOL-${i}-USDT-PERP`), 'r.1');
    assert.ok(Buffer.byteLength(withRound) <= 4096);
    assert.equal(TradeWatermarks.roundOf(withRound), 'r.1', 'the round id stays when the marks do not fit');
  });

  it('carries the round id of the transaction beside the marks', () => {
    const w = new TradeWatermarks();
    w.note([{ symbol: 'A', sequence: 3 }]);
    const meta = w.metadata(['A'], 'p.k.7');
    assert.equal(TradeWatermarks.roundOf(meta), 'p.k.7');
    assert.deepEqual([...new TradeWatermarks().load(meta)], [['A', 3]]);
    for (const m of ['', null, 'not json', '{"round":7}', '{"trades":{}}']) assert.equal(TradeWatermarks.roundOf(m), undefined);
  });
});
