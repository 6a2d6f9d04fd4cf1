// The latest book (top N), 24h ticker, mark, index and funding of every symbol in Redis, for fast
// reads by this or an edge process. Writes are coalesced: a key is written at most once per
// flush interval (100 ms) with its newest value, all dirty keys in one pipeline. While Redis is
// down the newest value per key waits (bounded: one per key) and goes out on recovery.
import type { Redis } from 'ioredis';
import { bookChecksum } from '../domain/book-checksum.js';
import { levelStrings } from '../domain/instrument.js';
import type { MarketOutput } from '../market/market-output.js';
import type { MarketView } from '../market/market-view.js';
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import type { PricingOutput } from '../pricing/pricing-worker.js';

export const BOOK_DEPTH = 50;

export interface LatestBook {
  symbol: string;
  sequence: number;
  status: string;
  bids: [string, string][];
  asks: [string, string][];
  checksum: number;
  timestamp: number;
}

/** Key names, shared by writer and reader. `namespace` keeps environments apart (TOPIC_PREFIX). */
export const latestKeys = (namespace: string) => ({
  book: (symbol: string) => `md:${namespace}book:${symbol}`,
  ticker: (symbol: string) => `md:${namespace}ticker:${symbol}`,
  mark: (symbol: string) => `md:${namespace}mark:${symbol}`,
  index: (indexSymbol: string) => `md:${namespace}index:${indexSymbol}`,
  funding: (symbol: string) => `md:${namespace}funding:${symbol}`,
});

export class RedisLatestWriter {
  private readonly keys: ReturnType<typeof latestKeys>;
  private readonly dirtyBooks = new Set<string>();
  /** Values computed elsewhere (pricing): key → JSON. */
  private readonly pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private writing = false;

  constructor(
    private readonly redis: Redis,
    private readonly view: MarketView,
    namespace: string,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly intervalMs = 100,
  ) {
    this.keys = latestKeys(namespace);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Bus listener for ingest outputs: which books and tickers changed. */
  onIngest(out: MarketOutput): void {
    for (const d of out.deltas) this.dirtyBooks.add(d.symbol);
    for (const s of out.snapshots) this.dirtyBooks.add(s.symbol);
    for (const t of out.tickers) this.pending.set(this.keys.ticker(t.symbol), JSON.stringify(t));
  }

  /** Bus listener for pricing outputs. */
  onPricing(out: PricingOutput): void {
    for (const i of out.indices) this.pending.set(this.keys.index(i.index_symbol), JSON.stringify(i));
    for (const m of out.marks) this.pending.set(this.keys.mark(m.symbol), JSON.stringify(m));
    for (const f of out.funding) this.pending.set(this.keys.funding(f.symbol), JSON.stringify(f));
  }

  /** Writes every dirty key once, with its value as of now, in one pipeline. */
  async flush(): Promise<void> {
    if (this.writing || (this.dirtyBooks.size === 0 && this.pending.size === 0)) return;
    if (this.redis.status !== 'ready') return; // keep everything dirty until Redis is back
    this.writing = true;
    const values = new Map(this.pending);
    this.pending.clear();
    const now = Date.now();
    for (const symbol of this.dirtyBooks) {
      const v = this.bookValue(symbol, now);
      if (v) values.set(this.keys.book(symbol), v);
    }
    const books = [...this.dirtyBooks];
    this.dirtyBooks.clear();
    const started = performance.now();
    try {
      const pipe = this.redis.pipeline();
      for (const [k, v] of values) pipe.set(k, v);
      const results = await pipe.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
      this.metrics.dbQueryDuration.observe({ repository: 'redis_latest' }, performance.now() - started);
    } catch (err) {
      // put it all back: the next flush writes the newest values
      for (const [k, v] of values) if (!this.pending.has(k)) this.pending.set(k, v);
      for (const s of books) this.dirtyBooks.add(s);
      this.log.warn({ err: (err as Error).message }, 'redis latest write failed; will retry');
    } finally {
      this.writing = false;
    }
  }

  private bookValue(symbol: string, now: number): string | undefined {
    const inst = this.view.instrument(symbol);
    const book = this.view.book(symbol);
    if (!inst || !book) return undefined;
    const d = book.depth(BOOK_DEPTH);
    const v: LatestBook = {
      symbol,
      sequence: book.sequence,
      status: this.view.status(symbol) ?? 'resyncing',
      bids: levelStrings(inst, d.bids),
      asks: levelStrings(inst, d.asks),
      checksum: bookChecksum(book, inst.tick, inst.lot, 25),
      timestamp: now,
    };
    return JSON.stringify(v);
  }
}

/** Reads what RedisLatestWriter wrote (an edge instance serves REST from here). */
export class RedisLatestReader {
  private readonly keys: ReturnType<typeof latestKeys>;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.keys = latestKeys(namespace);
  }

  private async get<T>(key: string): Promise<T | undefined> {
    const v = await this.redis.get(key);
    return v === null ? undefined : (JSON.parse(v) as T);
  }

  book = (symbol: string) => this.get<LatestBook>(this.keys.book(symbol));
  ticker = (symbol: string) => this.get<Record<string, unknown>>(this.keys.ticker(symbol));
  mark = (symbol: string) => this.get<Record<string, unknown>>(this.keys.mark(symbol));
  index = (indexSymbol: string) => this.get<Record<string, unknown>>(this.keys.index(indexSymbol));
  funding = (symbol: string) => this.get<Record<string, unknown>>(this.keys.funding(symbol));
}
