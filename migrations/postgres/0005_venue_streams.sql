-- Outside venue streams (ccxt pro) started through the control API or VENUE_STREAMS: restored at
-- every start, so a stream survives a restart until it is deleted.
CREATE TABLE IF NOT EXISTS venue_streams (
  id          text PRIMARY KEY,
  venue       text NOT NULL,
  symbol      text NOT NULL,
  kind        text NOT NULL,
  depth       integer NOT NULL,
  persist     boolean NOT NULL,
  publish     boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
