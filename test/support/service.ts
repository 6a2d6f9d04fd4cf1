import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { repoPath } from '../../src/paths.js';

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningService {
  proc: ChildProcess;
  httpPort: number;
  grpcPort: number;
  baseUrl: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the compiled service (dist/src/main.js) on free ports and waits until it answers HTTP. A
 * port found free can be taken (an outgoing connection's ephemeral port) before the service binds
 * it: then it starts again on others, unless the caller chose the ports.
 */
export async function startService(env: Record<string, string> = {}, timeoutMs = 60_000, nodeArgs: string[] = []): Promise<RunningService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServiceOnce(env, timeoutMs, nodeArgs);
    } catch (err) {
      const chosen = env.HTTP_PORT !== undefined && env.GRPC_PORT !== undefined;
      if (chosen || attempt >= 3 || !/is not free/.test((err as Error).message)) throw err;
    }
  }
}

async function startServiceOnce(env: Record<string, string>, timeoutMs: number, nodeArgs: string[]): Promise<RunningService> {
  // a test that restarts a service on the same address passes HTTP_PORT / GRPC_PORT
  const httpPort = env.HTTP_PORT ? Number(env.HTTP_PORT) : await freePort();
  const grpcPort = env.GRPC_PORT ? Number(env.GRPC_PORT) : await freePort();
  // SERVICE_NODE_ARGS: flags for every service a test or scenario starts (`--cpu-prof --cpu-prof-dir=/tmp/prof` to profile one)
  const extraArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extraArgs, ...nodeArgs, repoPath('dist/src/main.js')], {
    // Pricing polls exchanges: off unless a test points it at the local stand-ins (never the internet).
    // Persistence: off unless a test brings databases of its own (testStores), since stored trades
    // of one test's simulator would be restored into another's candles (same symbols, same sequences).
    env: { ...process.env, LOG_LEVEL: 'warn', PRICING_ENABLED: 'false', PERSIST_ENABLED: 'false', ...env, HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}: ${out}`);
    try {
      await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`service did not answer within ${timeoutMs} ms: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    proc,
    httpPort,
    grpcPort,
    baseUrl,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * An environment of its own for one test: topic prefix, consumer group and transactional id, so
 * tests share the stack without seeing each other's data.
 */
export function isolatedEnv(extra: Record<string, string> = {}): { prefix: string; env: Record<string, string> } {
  const id = randomUUID().slice(0, 8);
  const prefix = `t${id}.`;
  return { prefix, env: { TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: `md-${id}`, KAFKA_TRANSACTIONAL_ID: `md-${id}-tx`, ...extra } };
}

/** Waits until the service knows `symbols` and has published trades of each (its pipeline flows). */
export async function waitForMarket(svc: RunningService, symbols: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await Promise.all(
      symbols.map(async (s) => {
        const r = await fetch(`${svc.baseUrl}/v1/trades?symbol=${s}&limit=1`).catch(() => undefined);
        return r?.status === 200 && ((await r.json()) as { trades: unknown[] }).trades.length > 0;
      }),
    );
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline) {
      // the evidence: what the service says of itself, and its last log lines
      const health = await fetch(`${svc.baseUrl}/health`).then((r) => r.text()).catch((err: Error) => err.message);
      throw new Error(`the service did not show trades of ${symbols.join(', ')} within ${timeoutMs} ms; health ${health.slice(0, 2000)}; log ${svc.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
