-- Periodic full book snapshots (and those taken at start, resync and resume), for replay and
-- analytics. Levels as parallel arrays of exact decimals, best first. ReplacingMergeTree on
-- (symbol, sequence): the same book state written twice collapses.
CREATE TABLE IF NOT EXISTS {db}.book_snapshots (
  symbol      String,
  sequence    UInt64,
  ts_ms       UInt64,
  reason      String,
  bid_prices  Array(Decimal(38, 18)),
  bid_sizes   Array(Decimal(38, 18)),
  ask_prices  Array(Decimal(38, 18)),
  ask_sizes   Array(Decimal(38, 18)),
  checksum    UInt32,
  snap_date   Date
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(snap_date)
ORDER BY (symbol, sequence);
