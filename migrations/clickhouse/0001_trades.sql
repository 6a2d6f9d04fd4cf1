-- Trade history. ReplacingMergeTree on (symbol, sequence, trade_id): a replayed batch collapses
-- into the rows already there at merge time; readers that must not see a duplicate use FINAL.
-- Kept to DDL that ClickHouse 18.16 (Debian) and current releases both accept.
CREATE TABLE IF NOT EXISTS {db}.trades (
  trade_id       String,
  symbol         String,
  price          Decimal(38, 18),
  quantity       Decimal(38, 18),
  taker_side     Enum8('buy' = 1, 'sell' = 2),
  maker_order_id String,
  taker_order_id String,
  ts_ms          UInt64,
  sequence       UInt64,
  trade_date     Date
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(trade_date)
ORDER BY (symbol, sequence, trade_id);
