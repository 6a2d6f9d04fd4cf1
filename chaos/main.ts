// `make chaos`: every fault scenario at full size (or those named: `node dist/chaos/main.js crashes`),
// each written to bench/results/chaos-*.json, then docs/RELIABILITY.md from those files.
// `CHAOS_SIZE=short` runs the versions `make test` runs; they print their figures and write no file
// (the results and the page hold full runs only).
import { missed, record, type ChaosOutcome, type Size } from './lib/outcome.js';
import { SCENARIOS } from './scenarios/index.js';
import { ScenarioSkipped } from './scenarios/outage.js';
import { writeReliabilityDoc } from './lib/report.js';

const size = (process.env.CHAOS_SIZE ?? 'full') as Size;
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in SCENARIOS));
if (unknown.length) {
  process.stderr.write(`chaos: unknown scenario ${unknown.join(', ')} (one of: ${Object.keys(SCENARIOS).join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
for (const name of names.length ? names : Object.keys(SCENARIOS)) {
  process.stdout.write(`chaos: ${name} (${size})\n`);
  const started = Date.now();
  let o: ChaosOutcome;
  try {
    o = await SCENARIOS[name]!.run(size);
  } catch (err) {
    if (err instanceof ScenarioSkipped) {
      process.stdout.write(`chaos: ${name} skipped: ${err.message}\n`);
      continue;
    }
    failed++;
    process.stdout.write(`chaos: ${name} did not complete: ${(err as Error).stack ?? String(err)}\n`);
    continue;
  }
  if (size === 'full') record(o);
  const m = missed(o);
  if (m.length) failed++;
  process.stdout.write(`chaos: ${name} took ${Math.round((Date.now() - started) / 1000)} s; ${m.length ? `targets missed: ${m.join('; ')}` : 'every target met'}\n${JSON.stringify(o.figures)}\n`);
}
if (size === 'full') writeReliabilityDoc();
process.exit(failed ? 1 : 0);
