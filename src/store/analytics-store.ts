// ClickHouse history beside the trades: periodic book snapshots, closed candles and the raw
// external quotes behind each index. Every table is a ReplacingMergeTree on its natural key, so
// a batch written again collapses.
import type { CandleView } from '../domain/wire-views.js';
import type { RawQuote } from '../pricing/pricing-worker.js';
import type { StoredBook } from './book-snapshot.js';
import { insertTsv, tsvDecimalArray, utcDate, type ClickHouseClient } from './clickhouse.js';

const BOOK_COLUMNS = ['symbol', 'sequence', 'ts_ms', 'reason', 'bid_prices', 'bid_sizes', 'ask_prices', 'ask_sizes', 'checksum', 'snap_date'];
const CANDLE_COLUMNS = ['symbol', 'candle_interval', 'open_time', 'close_time', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count', 'candle_date'];
const QUOTE_COLUMNS = ['index_symbol', 'source', 'price', 'received_ms', 'quote_date'];

export class AnalyticsStore {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database: string,
  ) {}

  insertBooks(books: readonly StoredBook[]): Promise<void> {
    return insertTsv(
      this.ch,
      `${this.database}.book_snapshots`,
      BOOK_COLUMNS,
      books.map((b) => [
        b.symbol,
        b.sequence,
        b.ts,
        b.reason,
        tsvDecimalArray(b.bids.map((l) => l[0])),
        tsvDecimalArray(b.bids.map((l) => l[1])),
        tsvDecimalArray(b.asks.map((l) => l[0])),
        tsvDecimalArray(b.asks.map((l) => l[1])),
        b.checksum,
        utcDate(b.ts),
      ]),
    );
  }

  insertCandles(candles: readonly CandleView[]): Promise<void> {
    return insertTsv(
      this.ch,
      `${this.database}.candles`,
      CANDLE_COLUMNS,
      candles.map((c) => [c.symbol, c.interval, c.open_time, c.close_time, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trade_count, utcDate(c.open_time)]),
    );
  }

  insertQuotes(quotes: readonly RawQuote[]): Promise<void> {
    return insertTsv(this.ch, `${this.database}.index_quotes`, QUOTE_COLUMNS, quotes.map((q) => [q.indexSymbol, q.source, q.price, q.receivedAt, utcDate(q.receivedAt)]));
  }
}
