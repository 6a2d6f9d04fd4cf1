import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export type { Logger };

/** JSON logs to stdout; fields like symbol, channel, sequence are added by child loggers where they apply. */
export function createLogger(level: LogLevel, name = 'market-data'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
