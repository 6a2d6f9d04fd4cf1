-- Raw spot quotes from the external exchanges behind each index: the index's audit trail.
-- ReplacingMergeTree on (index_symbol, source, received_ms): a batch written again collapses.
CREATE TABLE IF NOT EXISTS {db}.index_quotes (
  index_symbol String,
  source       String,
  price        Decimal(38, 18),
  received_ms  UInt64,
  quote_date   Date
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(quote_date)
ORDER BY (index_symbol, source, received_ms);
