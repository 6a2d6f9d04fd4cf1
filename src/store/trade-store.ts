// Trade history in ClickHouse. Idempotent: the table is a ReplacingMergeTree on (symbol,
// sequence, trade_id), so a replayed batch collapses; exact readers use FINAL.
import { insertTsv, utcDate, type ClickHouseClient } from './clickhouse.js';
import type { TradeOut } from '../ingest/market-state.js';

const COLUMNS = ['trade_id', 'symbol', 'price', 'quantity', 'taker_side', 'maker_order_id', 'taker_order_id', 'ts_ms', 'sequence', 'trade_date'];

export class TradeStore {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database: string,
  ) {}

  insert(trades: readonly TradeOut[]): Promise<void> {
    return insertTsv(
      this.ch,
      `${this.database}.trades`,
      COLUMNS,
      trades.map((t) => [t.trade.trade_id, t.symbol, t.trade.price, t.trade.quantity, t.trade.taker_side, t.trade.maker_order_id, t.trade.taker_order_id, t.timestamp, t.sequence, utcDate(t.timestamp)]),
    );
  }
}
