// Trade history in ClickHouse, inserted as TabSeparated text so decimals stay exact strings
// (ClickHouse 18.16 refuses quoted decimals in JSONEachRow). Idempotent: the table is a
// ReplacingMergeTree on (symbol, sequence, trade_id), so a replayed batch collapses; exact
// readers use FINAL.
import { Readable } from 'node:stream';
import type { ClickHouseClient } from './clickhouse.js';
import type { TradeOut } from '../ingest/market-state.js';

const tsv = (v: string) => v.replace(/[\t\n\\]/g, ' ');

export class TradeStore {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly database: string,
  ) {}

  async insert(trades: readonly TradeOut[]): Promise<void> {
    if (trades.length === 0) return;
    const lines = trades.map((t) => {
      const day = new Date(t.timestamp).toISOString().slice(0, 10);
      return [t.trade.trade_id, t.symbol, t.trade.price, t.trade.quantity, t.trade.taker_side, tsv(t.trade.maker_order_id), tsv(t.trade.taker_order_id), t.timestamp, t.sequence, day].join('\t');
    });
    await this.ch.insert({
      table: `${this.database}.trades`,
      values: Readable.from([`${lines.join('\n')}\n`], { objectMode: false }),
      format: 'TabSeparated',
      columns: ['trade_id', 'symbol', 'price', 'quantity', 'taker_side', 'maker_order_id', 'taker_order_id', 'ts_ms', 'sequence', 'trade_date'],
    });
  }
}
