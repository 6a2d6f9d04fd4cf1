/**
 * Kafka topics of the engine contract. Every name can carry a prefix (TOPIC_PREFIX, empty by
 * default) so several environments, or test runs, can share one cluster without mixing.
 */
export const BASE = {
  events: 'engine.event.v1',
  snapshots: 'engine.snapshot.v1',
  bookhashes: 'engine.bookhash.v1',
  instrumentCreated: 'md.instrument.created.v1',
  instrumentUpdated: 'md.instrument.updated.v1',
  instrumentHalt: 'md.instrument.halt.v1',
  instrumentResume: 'md.instrument.resume.v1',
} as const;

export type TopicRole = keyof typeof BASE;

/** The Avro schema file (in avro/) of each topic's values. */
export const SCHEMA_FILE: Record<TopicRole, string> = {
  events: 'engine.event.v1.avsc',
  snapshots: 'engine.snapshot.v1.avsc',
  bookhashes: 'engine.bookhash.v1.avsc',
  instrumentCreated: 'md.instrument.v1.avsc',
  instrumentUpdated: 'md.instrument.v1.avsc',
  instrumentHalt: 'md.instrument.status.v1.avsc',
  instrumentResume: 'md.instrument.status.v1.avsc',
};

/** The fully qualified Avro record name of each topic's values (checked on decode). */
export const RECORD_NAME: Record<TopicRole, string> = {
  events: 'exchange.engine.v1.EngineEvent',
  snapshots: 'exchange.engine.v1.BookSnapshot',
  bookhashes: 'exchange.engine.v1.BookHash',
  instrumentCreated: 'exchange.md.v1.Instrument',
  instrumentUpdated: 'exchange.md.v1.Instrument',
  instrumentHalt: 'exchange.md.v1.InstrumentStatusChange',
  instrumentResume: 'exchange.md.v1.InstrumentStatusChange',
};

export type Topics = Record<TopicRole, string>;

export function engineTopics(prefix = ''): Topics {
  return Object.fromEntries(Object.entries(BASE).map(([role, name]) => [role, prefix + name])) as Topics;
}

export const INSTRUMENT_ROLES: TopicRole[] = ['instrumentCreated', 'instrumentUpdated', 'instrumentHalt', 'instrumentResume'];

/** Topics this service publishes (with the same prefix). Trades go to one topic per symbol. */
export function mdTopics(prefix = '') {
  return {
    bookDelta: `${prefix}md.orderbook.delta.v1`,
    bookSnapshot: `${prefix}md.orderbook.snap.v1`,
    dlq: `${prefix}md.dlq.v1`,
    ohlcv: `${prefix}md.ohlcv.v1`,
    ticker: `${prefix}md.ticker24h.v1`,
    mark: `${prefix}md.mark.v1`,
    index: `${prefix}md.index.v1`,
    funding: `${prefix}md.funding.v1`,
    trades: (symbol: string) => `${prefix}md.trades.v1.${symbol}`,
  };
}
export type MdTopics = ReturnType<typeof mdTopics>;

/** Topics of the outside venues' normalized streams (src/venues/), keyed by venue symbol. */
export function venueTopics(prefix = '') {
  return {
    trades: `${prefix}md.venue.trades.v1`,
    book: `${prefix}md.venue.book.v1`,
    ticker: `${prefix}md.venue.ticker.v1`,
    funding: `${prefix}md.venue.funding.v1`,
    liquidations: `${prefix}md.venue.liquidations.v1`,
    /** The instruments of published venue symbols (md.instrument.v1 records, compacted): what an edge needs to rebuild them. */
    instruments: `${prefix}md.venue.instruments.v1`,
  };
}
