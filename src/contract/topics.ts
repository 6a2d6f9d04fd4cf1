/** Kafka topics of the engine contract, each with the Avro schema file (in avro/) of its values. */
export const ENGINE_EVENTS = 'engine.event.v1';
export const ENGINE_SNAPSHOTS = 'engine.snapshot.v1';
export const ENGINE_BOOKHASHES = 'engine.bookhash.v1';
export const INSTRUMENT_CREATED = 'md.instrument.created.v1';
export const INSTRUMENT_UPDATED = 'md.instrument.updated.v1';
export const INSTRUMENT_HALT = 'md.instrument.halt.v1';
export const INSTRUMENT_RESUME = 'md.instrument.resume.v1';

export const INPUT_TOPICS = {
  [ENGINE_EVENTS]: 'engine.event.v1.avsc',
  [ENGINE_SNAPSHOTS]: 'engine.snapshot.v1.avsc',
  [ENGINE_BOOKHASHES]: 'engine.bookhash.v1.avsc',
  [INSTRUMENT_CREATED]: 'md.instrument.v1.avsc',
  [INSTRUMENT_UPDATED]: 'md.instrument.v1.avsc',
  [INSTRUMENT_HALT]: 'md.instrument.status.v1.avsc',
  [INSTRUMENT_RESUME]: 'md.instrument.status.v1.avsc',
} as const;

export type InputTopic = keyof typeof INPUT_TOPICS;
export const INSTRUMENT_TOPICS: InputTopic[] = [INSTRUMENT_CREATED, INSTRUMENT_UPDATED, INSTRUMENT_HALT, INSTRUMENT_RESUME];
