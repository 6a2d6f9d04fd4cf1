import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from '../../src/paths.js';

const run = promisify(execFile);

export interface SimSummary {
  events: number;
  trades: number;
  deltas: number;
  snapshots: number;
  hashes: number;
  messages: number;
  symbols: number;
  events_per_s: number;
  faults: { gap: number; duplicate: number; reorder: number; bad: number; crossed: number };
  final: Record<string, { sequence: number; levels: number }>;
}

/** Runs the simulator CLI to completion (as `npm run sim` would) and returns its summary line. */
export async function runSim(args: string[], env: Record<string, string> = {}): Promise<SimSummary> {
  try {
    const { stdout } = await run(process.execPath, [repoPath('dist/src/sim/main.js'), '--quiet', ...args], {
      env: { ...process.env, ...env },
      timeout: 300_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as SimSummary;
  } catch (err) {
    // what the simulator said (kafkajs retries, a registry error) is the clue: keep it
    const e = err as Error & { stderr?: string; killed?: boolean };
    throw new Error(`simulator ${args.join(' ')} failed${e.killed ? ' (killed after 300 s)' : ''}: ${e.message.split('\n')[0]}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}
