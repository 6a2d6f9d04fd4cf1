-- Mark, index and funding history, one row per symbol and publication time. Inserted with
-- ON CONFLICT DO NOTHING: a batch written again lands once.
CREATE TABLE IF NOT EXISTS mark_prices (
  symbol        text NOT NULL,
  ts_ms         bigint NOT NULL,
  index_symbol  text NOT NULL,
  mark_price    numeric,
  index_price   numeric,
  premium_ema   numeric,
  stale         boolean NOT NULL,
  PRIMARY KEY (symbol, ts_ms)
);
CREATE TABLE IF NOT EXISTS index_prices (
  index_symbol  text NOT NULL,
  ts_ms         bigint NOT NULL,
  price         numeric,
  stale         boolean NOT NULL,
  sources_used  text[] NOT NULL,
  PRIMARY KEY (index_symbol, ts_ms)
);
CREATE TABLE IF NOT EXISTS funding_rates (
  symbol             text NOT NULL,
  ts_ms              bigint NOT NULL,
  funding_rate       numeric NOT NULL,
  premium_rate_avg   numeric NOT NULL,
  interest_rate      numeric NOT NULL,
  next_funding_time  bigint NOT NULL,
  PRIMARY KEY (symbol, ts_ms)
);
