import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';
import { activeTraceFields } from './tracing.js';

export type { Logger };

/**
 * JSON logs to stdout. Fields like symbol, channel, event_type, sequence, latency_us are given
 * where they apply; trace_id and span_id come by themselves inside a traced operation.
 */
export function createLogger(level: LogLevel, name = 'market-data'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, mixin: activeTraceFields });
}
