import type { Metrics } from './metrics.js';

/** A probe resolves when its dependency answers and rejects (or times out) when it does not. */
export type Probe = () => Promise<unknown>;

export interface DependencyState {
  up: boolean;
  latency_ms: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  down: string[];
  dependencies: Record<string, DependencyState>;
  /** What runs (role, Node.js, WebSocket engine): fixed at start. */
  runtime?: Record<string, unknown>;
  /** Outside venues followed (connected, reconnecting, circuit_open, stale): informative, never a cause of 503. */
  venues?: Record<string, string>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Probes every dependency in parallel, each bounded by a timeout. Concurrent callers share one
 * round of probes, so a burst of /health requests costs the dependencies one probe each.
 */
export class HealthChecker {
  private inFlight: Promise<HealthReport> | undefined;
  /** The venues' states, when this instance follows any. */
  venues: (() => Record<string, string>) | undefined;

  constructor(
    private readonly probes: Record<string, Probe>,
    private readonly timeoutMs: number,
    private readonly metrics?: Metrics,
    private readonly runtime?: Record<string, unknown>,
  ) {}

  check(): Promise<HealthReport> {
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probeAll(): Promise<HealthReport> {
    const names = Object.keys(this.probes);
    const results = await Promise.all(
      names.map(async (name): Promise<DependencyState> => {
        const started = performance.now();
        try {
          await withTimeout(Promise.resolve().then(this.probes[name]!), this.timeoutMs);
          return { up: true, latency_ms: Math.round(performance.now() - started) };
        } catch (err) {
          return { up: false, latency_ms: Math.round(performance.now() - started), error: String((err as Error)?.message ?? err).split('\n')[0]! };
        }
      }),
    );
    const dependencies: Record<string, DependencyState> = {};
    names.forEach((n, i) => {
      dependencies[n] = results[i]!;
      this.metrics?.dependencyUp.set({ dependency: n }, results[i]!.up ? 1 : 0);
    });
    const down = names.filter((n) => !dependencies[n]!.up);
    return { status: down.length ? 'degraded' : 'ok', down, dependencies, ...(this.runtime ? { runtime: this.runtime } : {}), ...(this.venues ? { venues: this.venues() } : {}) };
  }
}
