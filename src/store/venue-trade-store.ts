// Outside venues' trades in ClickHouse (venue_trades), for streams with persist on.
import type { TradeValue } from '../market/market-output.js';
import { insertTsv, utcDate, type ClickHouseClient } from './clickhouse.js';

const COLUMNS = ['venue_symbol', 'trade_id', 'price', 'quantity', 'taker_side', 'exchange_ms', 'receive_ms', 'trade_date'];

export class VenueTradeStore {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database: string,
  ) {}

  insert(trades: readonly TradeValue[]): Promise<void> {
    return insertTsv(
      this.ch,
      `${this.database}.venue_trades`,
      COLUMNS,
      trades.map((t) => [t.symbol, t.trade_id, t.price, t.quantity, t.taker_side, t.timestamp, Math.floor(t.engine_send_time_us / 1000), utcDate(t.timestamp)]),
    );
  }
}
