// Every process a scenario ran leaves its output in .chaos/logs/SCENARIO-N.log (the evidence when a
// figure is off); the directory is emptied at the start of each scenario run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';
import type { RunningService } from '../../test/support/service.js';

const counters = new Map<string, number>();

export function resetLogs(scenario: string): void {
  rmSync(repoPath('.chaos/logs', scenario), { recursive: true, force: true });
  counters.set(scenario, 0);
}

export function keepLog(scenario: string, svc: RunningService): void {
  const n = (counters.get(scenario) ?? 0) + 1;
  counters.set(scenario, n);
  mkdirSync(repoPath('.chaos/logs', scenario), { recursive: true });
  writeFileSync(repoPath('.chaos/logs', scenario, `${n}-${svc.proc.pid}.log`), svc.output());
}
