// CPU use in a scenario's calm and fault windows (which start at set times): how busy the
// machine's cores were, and which process used them, so a latency figure can be read against it.
import { cpuWindow } from '../../bench/lib/cpu-usage.js';
import { sleep } from './outcome.js';

export type CpuFigures = Record<string, number>;

/** CPU use from `from` (ms since the epoch) for `ms`, of the machine and of `pids` (looked up at the window's start). */
export async function cpuBetween(from: number, ms: number, pids: () => Record<string, number | undefined>): Promise<CpuFigures> {
  await sleep(Math.max(0, from - Date.now()));
  const w = cpuWindow(pids());
  await sleep(ms);
  return w.stop();
}
