-- Completed candles: the source of /v1/klines. Upserted on (symbol, interval, open_time), so a
-- replayed flush rewrites the same row.
CREATE TABLE IF NOT EXISTS candles (
  symbol        text NOT NULL,
  interval      text NOT NULL CHECK (interval IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  open_time     bigint NOT NULL,
  close_time    bigint NOT NULL,
  open          numeric NOT NULL,
  high          numeric NOT NULL,
  low           numeric NOT NULL,
  close         numeric NOT NULL,
  volume        numeric NOT NULL,
  quote_volume  numeric NOT NULL,
  trade_count   bigint NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, interval, open_time)
);
