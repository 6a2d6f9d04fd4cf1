// The short version of the `make chaos` scenarios: each must meet all of its targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missed } from '../../chaos/lib/outcome.js';
import { SCENARIOS } from '../../chaos/scenarios/index.js';
import { ScenarioSkipped } from '../../chaos/scenarios/outage.js';

describe('fault scenarios, short versions (real stack, real kill -9 and stopped components)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS).filter(([, s]) => s.inTests)) {
    it(`${name}: every target met`, async (t) => {
      const o = await scenario.run('short').catch((err: unknown) => {
        if (err instanceof ScenarioSkipped) return undefined;
        throw err;
      });
      if (!o) return t.skip('a component this checkout did not start is not stopped');
      process.stdout.write(`# chaos ${name}: ${o.metric}: ${o.value} ${o.unit} (${o.baseline.name}: ${o.baseline.value} ${o.unit}) ${JSON.stringify(o.figures)}\n`);
      assert.deepEqual(missed(o), [], `${name}: ${JSON.stringify(o.figures)}`);
    });
  }
});
