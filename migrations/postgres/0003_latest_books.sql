-- The latest full book snapshot of every symbol (one row each, upserted), levels as
-- [[price, size], ...] decimal strings, best first.
CREATE TABLE IF NOT EXISTS latest_books (
  symbol      text PRIMARY KEY,
  sequence    bigint NOT NULL,
  ts_ms       bigint NOT NULL,
  reason      text NOT NULL,
  bids        jsonb NOT NULL,
  asks        jsonb NOT NULL,
  checksum    bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
