// The channels a client can subscribe to, and the key of each stream (channel + symbol [+ prec]):
// the uWS topic every message of that stream is published to, serialised once.
import type { Channel } from '../contract/ws-frames.js';
import { INTERVAL_NAMES, type Interval } from '../domain/candle.js';

export type { Channel };

export const CHANNELS: readonly Channel[] = ['book', 'trades', 'ticker', 'mark', 'index', 'funding', 'liquidations', ...INTERVAL_NAMES.map((i) => `kline:${i}` as const)];
const CHANNEL_SET = new Set<string>(CHANNELS);

export const isChannel = (s: unknown): s is Channel => typeof s === 'string' && CHANNEL_SET.has(s);

export const klineInterval = (c: Channel): Interval | undefined => (c.startsWith('kline:') ? (c.slice(6) as Interval) : undefined);

/** The stream key; `group` is the book's price grouping in ticks (1 = the raw book). */
export const streamKey = (channel: Channel, symbol: string, group = 1): string => (channel === 'book' ? `book|${symbol}|${group}` : `${channel}|${symbol}`);

/** Price groupings offered, in ticks: bounded so the number of grouped books stays small. */
export const BOOK_GROUPS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;
