-- Trades of outside venues (ccxt pro streams with persist on). ReplacingMergeTree on
-- (venue_symbol, trade_id): a trade handed over twice (a reconnect) collapses at merge time.
CREATE TABLE IF NOT EXISTS {db}.venue_trades (
  venue_symbol   String,
  trade_id       String,
  price          Decimal(38, 18),
  quantity       Decimal(38, 18),
  taker_side     Enum8('buy' = 1, 'sell' = 2),
  exchange_ms    UInt64,
  receive_ms     UInt64,
  trade_date     Date
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(trade_date)
ORDER BY (venue_symbol, trade_id);
