import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';
import { activeTraceFields } from './tracing.js';

export type { Logger };

/**
 * JSON logs to stdout (to stderr for a CLI whose stdout is its result, `toStderr`). Fields like symbol, channel, event_type, sequence, latency_us are given
 * where they apply; trace_id and span_id come by themselves inside a traced operation.
 */
export function createLogger(level: LogLevel, name = 'market-data', toStderr = false): Logger {
  const opts = { name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, mixin: activeTraceFields };
  return toStderr ? pino(opts, pino.destination({ fd: 2, sync: true })) : pino(opts);
}
