// A load generator in a process of its own (chaos/load/*.ts). The clients that measure latency
// timestamp each frame in their event loop: a generator in the same process (building a flood,
// opening hundreds of sockets a second) would block that loop and the delay would be counted
// against the service. The generator runs at a lower CPU priority: an attacker or a bad producer is
// not on the service's cores in a deployment, and on this 2-core machine it otherwise takes CPU
// from everything. What it achieved (frames, connections, codes) comes back as its report.
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';

/** How much lower than the parent's the generator's priority is (nice). */
const NICENESS = 10;

export interface LoadProcess<Report> {
  pid: number | undefined;
  /** The generator's report once it has done its work (it keeps its connections until `stop`). */
  report: Promise<Report>;
  stop(): Promise<void>;
}

/** Starts `chaos/load/<name>.js` with `args`; it answers with `serveLoad`. */
export function startLoad<Args, Report>(name: string, args: Args): LoadProcess<Report> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`../load/${name}.js`, import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    setPriority(child.pid!, NICENESS);
  } catch {
    // not permitted: the generator runs at the parent's priority, which the figures then include
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const report = new Promise<Report>((resolve, reject) => {
    child.once('message', (m: { report?: Report; error?: string }) => (m.error !== undefined ? reject(new Error(`${name}: ${m.error}`)) : resolve(m.report as Report)));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before its report`)));
  });
  report.catch(() => undefined);
  child.send({ args });
  return {
    pid: child.pid,
    report,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The generator's side: runs `work` with the parent's args, sends its report, stays until stopped. */
export function serveLoad<Args, Report>(work: (args: Args) => Promise<Report>): void {
  process.once('message', (m: { args: Args }) => {
    work(m.args).then(
      (report) => process.send!({ report }),
      (err: unknown) => process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
    );
  });
  process.once('SIGTERM', () => process.exit(0));
}
