-- The instrument catalogue as last seen on md.instrument.*.v1 (the engine owns it; we mirror it).
CREATE TABLE IF NOT EXISTS instruments (
  symbol       text PRIMARY KEY,
  base         text NOT NULL,
  quote        text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('spot', 'perpetual')),
  tick_size    numeric(38, 18) NOT NULL CHECK (tick_size > 0),
  lot_size     numeric(38, 18) NOT NULL CHECK (lot_size > 0),
  status       text NOT NULL,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
