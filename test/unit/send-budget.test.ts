import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { overBudget } from '../../src/api/send-budget.js';

test('send budget: within it nobody is closed; past it the largest buffers above the floor go first, until the total fits', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 2_000_000 }), { maxLength: 200 }), fc.integer({ min: 1, max: 50_000_000 }), fc.nat({ max: 500_000 }), (sizes, budget, floor) => {
      const conns = sizes.map((bytes, i) => ({ conn: i, bytes }));
      const total = sizes.reduce((a, b) => a + b, 0);
      const shed = new Set(overBudget(conns, total, budget, floor));
      const left = total - [...shed].reduce((a, i) => a + sizes[i]!, 0);
      if (total <= budget) return assert.equal(shed.size, 0);
      for (const i of shed) assert.ok(sizes[i]! > floor, 'only buffers above the floor are closed');
      const kept = conns.filter((c) => !shed.has(c.conn) && c.bytes > floor);
      // the total fits, or everyone above the floor was closed
      assert.ok(left <= budget || kept.length === 0, `left ${left} over ${budget} with ${kept.length} candidates kept`);
      // no kept candidate is larger than a closed one
      const smallestShed = Math.min(...[...shed].map((i) => sizes[i]!));
      for (const c of kept) assert.ok(c.bytes <= smallestShed);
      // and no more were closed than needed: without the last one closed, the total would not fit
      if (shed.size) {
        const last = [...shed].at(-1)!;
        assert.ok(left + sizes[last]! > budget);
      }
    }),
  );
});
