// Retrying a store write with capped exponential backoff, timing each success into
// md_db_query_duration_ms and counting each failure.
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';

export interface RetryOptions {
  /** Give up after this many attempts (default: never, the caller relies on it landing). */
  maxAttempts?: number;
  /** Stop retrying when this returns true (shutting down). */
  abandoned?: () => boolean;
}

export async function writeWithRetry(repository: string, write: () => Promise<void>, metrics: Metrics, log: Logger, opts: RetryOptions = {}): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    try {
      await write();
      metrics.dbQueryDuration.observe({ repository }, performance.now() - started);
      return true;
    } catch (err) {
      metrics.storeWriteFailures.inc({ repository });
      if (attempt === 1 || attempt % 20 === 0) log.warn({ repository, attempt, err: (err as Error).message.split('\n')[0] }, 'store write failed; retrying');
      if (attempt >= (opts.maxAttempts ?? Infinity) || opts.abandoned?.()) return false;
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    }
  }
}
