// The short version of `make chaos` scenarios as tests: each must meet all of its targets. Split
// over several test files (node's per-file timeout), each naming its scenarios.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { missed } from '../../chaos/lib/outcome.js';
import { SCENARIOS } from '../../chaos/scenarios/index.js';
import { ScenarioSkipped } from '../../chaos/scenarios/outage.js';

export function chaosTests(names: string[]): void {
  after(() => {
    // Every scenario stops what it started. A handle left open anyway (a process or a client a
    // scenario lost track of) must neither outlive the file (an orphaned service would go on
    // consuming beside the next test files) nor turn a finished suite into node's 10-minute file
    // timeout: it is named here, closed, and the file ends.
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stdout.write(`# chaos: handles still open after the suite: ${left.join(', ') || 'none'}\n`);
    for (const h of (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()) {
      const o = h as { spawnargs?: string[]; kill?(s: string): void; remoteAddress?: string; remotePort?: number; destroy?(): void; constructor: { name: string } };
      process.stdout.write(`# chaos:   ${o.constructor.name}${(o as { pid?: number }).pid ? ` pid ${(o as { pid?: number }).pid}` : ""} ${o.spawnargs?.join(' ').slice(0, 200) ?? ''}${o.remoteAddress ? ` ${o.remoteAddress}:${o.remotePort}` : ''}\n`);
      if (o.spawnargs) o.kill?.('SIGKILL');
      else if (o.remoteAddress) o.destroy?.();
    }
    setTimeout(() => process.exit(), 3000).unref();
  });
  for (const name of names) {
    const scenario = SCENARIOS[name];
    if (!scenario?.inTests) throw new Error(`no short scenario ${name}`);
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
}
