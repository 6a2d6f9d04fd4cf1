import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from '../../src/paths.js';

const run = promisify(execFile);

export type Component = 'kafka' | 'registry' | 'clickhouse' | 'postgres' | 'redis';

/** `p`, or an error naming `what` if it has not settled within `ms` (a hung await says where it hung). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Stops or starts one component of the local stack through the same script `make stack-up` uses. */
export async function stack(action: 'start' | 'stop' | 'status', component: Component): Promise<string> {
  const args = action === 'status' ? ['status'] : [action, component];
  const { stdout, stderr } = await run('bash', [repoPath('stack/stack.sh'), ...args], { timeout: 240_000 });
  return stdout + stderr;
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // a check that never answers (a query stuck on a store) must not outlive the deadline either
    if (await within(check(), Math.max(1000, deadline - Date.now()), what).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
