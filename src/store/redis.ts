import { Redis } from 'ioredis';
import type { Logger } from '../obs/logger.js';

/** An ioredis client that reconnects forever with capped backoff and logs (not throws) connection errors. */
export function createRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    connectTimeout: 3000,
    // a reply that never comes (a half-open connection) would otherwise hold a pipeline forever
    commandTimeout: 5000,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => (lastError = ''));
  return redis;
}
