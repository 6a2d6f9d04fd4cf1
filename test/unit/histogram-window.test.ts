import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buckets, windowQuantile } from '../../bench/lib/histogram-window.js';

const scrape = (counts: [string, number][]) => counts.map(([le, n]) => `md_edge_lag_ms_bucket{le="${le}",stage="core"} ${n}\nmd_edge_lag_ms_bucket{le="${le}",stage="transport"} 999`).join('\n');

describe('histogram window quantiles (benchmarks)', () => {
  it('takes quantiles of what was observed between two scrapes, interpolated inside the bucket', () => {
    const before = buckets(scrape([['10', 5], ['100', 5], ['+Inf', 5]]), 'md_edge_lag_ms', 'stage="core"');
    // in the window: 50 observations up to 10 ms, 50 between 10 and 100 ms
    const after = buckets(scrape([['10', 55], ['100', 105], ['+Inf', 105]]), 'md_edge_lag_ms', 'stage="core"');
    assert.equal(windowQuantile(before, after, 0.5), 10);
    assert.equal(windowQuantile(before, after, 0.25), 5);
    assert.equal(windowQuantile(before, after, 0.99), 10 + (90 * 49) / 50);
    assert.equal(windowQuantile(after, after, 0.5), undefined, 'nothing observed');
  });
});
