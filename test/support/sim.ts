import { execFile } from 'node:child_process';
import { repoPath } from '../../src/paths.js';

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

export interface RunningSim {
  /** The summary line, once the simulator has published its final snapshots and exited. */
  done: Promise<SimSummary>;
  /** Ends the run early, as Ctrl-C would (final snapshots, then the summary). */
  stop(): void;
}

/** Starts the simulator CLI (as `npm run sim` would). */
export function startSim(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): RunningSim {
  let stop = () => undefined as void;
  const done = new Promise<SimSummary>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [repoPath('dist/src/sim/main.js'), '--quiet', ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(JSON.parse(stdout.trim().split('\n').pop()!) as SimSummary);
        // what the simulator said (kafkajs retries, a registry error) is the clue: keep it
        const e = err as Error & { killed?: boolean };
        reject(new Error(`simulator ${args.join(' ')} failed${e.killed ? ` (killed after ${timeoutMs / 1000} s)` : ''}: ${e.message.split('\n')[0]}\n${String(stderr).slice(-4000)}${stdout ? `\nstdout: ${String(stdout).slice(-1000)}` : ''}`));
      },
    );
    stop = () => void child.kill('SIGINT');
  });
  return { done, stop };
}

/** Runs the simulator CLI to completion and returns its summary line. */
export function runSim(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<SimSummary> {
  return startSim(args, env, timeoutMs).done;
}
