-- Closed candles for analytics (PostgreSQL holds the serving copy for /v1/klines).
-- ReplacingMergeTree on (symbol, candle_interval, open_time) ("interval" is a keyword in 18.16): a candle written again collapses.
CREATE TABLE IF NOT EXISTS {db}.candles (
  symbol        String,
  candle_interval String,
  open_time     UInt64,
  close_time    UInt64,
  open          Decimal(38, 18),
  high          Decimal(38, 18),
  low           Decimal(38, 18),
  close         Decimal(38, 18),
  volume        Decimal(38, 18),
  quote_volume  Decimal(38, 18),
  trade_count   UInt64,
  candle_date   Date
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(candle_date)
ORDER BY (symbol, candle_interval, open_time);
