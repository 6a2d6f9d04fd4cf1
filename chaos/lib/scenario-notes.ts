// What each chaos scenario does and how to read its figures (docs/RELIABILITY.md).
export const SCENARIO_NOTES: Record<string, string> = {
  crashes:
    'kill -9 of the service (ROLE=all, every store on) at random moments of a simulator run with every engine fault on (gaps, duplicates, reordering, undecodable messages, crossed books), started again at once each time. ' +
    'Afterwards every trade the engine published is looked up on md.trades.v1.* and in ClickHouse (FINAL, as a user reads it), every stored candle of every interval is compared with a batch recomputation from the stored trades (and every candle the trades make between the first and last stored one must be stored), the last 24h ticker of each symbol with a recomputation, and each REST book with the engine\'s final snapshot. ' +
    '`serve_again_s`: from the kill until every symbol has both a newer book and a newer trade on REST than at the kill (a book alone can move on the engine\'s snapshot topic; a trade needs the event stream); it includes the new process\'s start, migrations, restoring candles and tickers from stored trades, and the consumer group\'s rebalance. ' +
    'The engine clock runs at 6x: a sequence gap holds its symbol up to 250 ms of wall time, which must stay inside the 2 s engine-time grace before a candle closes by the clock (at 60x it would be 15 engine seconds and the held trades would arrive late).',
  'cluster-crashes':
    'The scale-out topology (two cores in one consumer group, two edges following md.*) under the simulator with every engine fault on; kill -9 alternates between a core and an edge, picked at random, and the killed process starts again at once (a core with its transactional id, fencing its dead self). ' +
    '`serve_again_s_core`: from a core\'s kill until every symbol has a newer book and trade on an edge (the group rebalances, the surviving or restarted core restores and publishes); `serve_again_s_edge`: until every symbol advances on the restarted edge (it rebuilds from the snapshot topic). ' +
    'Then the checks of `crashes`, with the books of both edges compared with the engine\'s final snapshot.',
  broker:
    'The Kafka broker stopped under load (the simulator keeps its batches and sends them again, as an engine would) and started again. ' +
    '`client_resume_s`: from the broker answering again to a WebSocket client receiving a trade; `rest_resume_s`: to every symbol having a newer book and trade on REST; `floor_resume_s`: a plain kafkajs consumer of the engine topic reading again (a group of its own, kafkajs defaults). `restart_s` is the broker\'s own start. ' +
    'kafkajs rebuilds a consumer that crashed while the broker was away and joins it as a new member, so the coordinator waits out the old member\'s session (30 s for the floor\'s defaults: its figure swings between 0.3 and 34 s from run to run); the service rejoins with its last member id (src/ingest/kafkajs-member-reuse.ts), which took the service from 10.9 s to 3.6–5.7 s together with 1 MiB segments for the coordinators\' logs on the test broker (they load faster after a restart). ' +
    'Before this suite a transaction that failed in flight left kafkajs\'s producer in COMMITTING for good (no output was ever committed again) and candles closed empty by the clock while the trades waited in Kafka; both are fixed and this scenario keeps them fixed.',
  registry:
    'The schema registry stopped under load. Every schema id in use is cached, so events keep flowing; a message whose schema is not cached waits for the registry (counted in md_schema_registry_waits_total) instead of going to the DLQ. `dlq_messages` must stay 0.',
  stores:
    'ClickHouse, PostgreSQL and Redis stopped at once under load. Clients keep being served live (`client_pause_ms_down`: the longest gap between two trade frames while they were down, beside the same in the calm window before); store writes wait and catch up; consumption goes on until INGEST_MAX_UNCOMMITTED_EVENTS (200,000 events) are waiting for the stores, which bounds the memory (`rss_mib_down_peak` beside `rss_mib_calm`).',
  clickhouse: 'ClickHouse alone stopped under load; as `stores`.',
  postgres: 'PostgreSQL alone stopped under load; as `stores`.',
  redis: 'Redis alone stopped under load; as `stores`.',
  'bad-input':
    'Malformed messages mixed into engine.event.v1 during a normal run, every kind in turn: random bytes, a wrong magic byte, schema ids the registry never issued, valid Avro of another record type (an instrument), Avro cut short, ~900 KB messages (the broker refuses anything past its 1 MiB max.message.bytes, so a 10 MB message never reaches a consumer), and valid events of real symbols with a sequence 2^50 ahead, a negative sequence, or a timestamp 30 days off. ' +
    'Each must be in md.dlq.v1 with its reason (`dlq_by_reason`) and counted (md_dlq_messages_total, md_ingest_rejected_total); an event with an absurd sequence or timestamp is rejected before it can move the symbol\'s sequence or the engine clock (before this suite one event 2^50 ahead froze its symbol for good). ' +
    'A past sequence with a plausible timestamp is a duplicate (counted in md_ingest_duplicates_total, not dead-lettered: redeliveries are normal). Latency: engine → WebSocket of the good symbols in the flood window beside the calm window before it.',
  'ws-abuse':
    'Good clients keep verified books (the client library\'s LocalBook checks every delta\'s chain and checksum) while, in one window, fuzzing connections send malformed frames (each must be answered with an error and the connection kept), others send oversized frames (closed 1009) or subscribe floods (closed 4029), clients that never read pile up unsent data (closed 4008 once it passes WS_MAX_BUFFERED_BYTES), and connections churn. ' +
    'Memory bound: the calm RSS + WS_MAX_BUFFERED_BYTES (1 MiB) per client that never reads + 400 MiB. A non-reader closed with 4008 keeps its socket and buffer until uWS\'s close handshake times out (4-16 s: the peer never reads the close frame), so they overlap. ' +
    'The clients run on the same 2 cores as the service, broker and stores: the abuse itself takes CPU from everything, which is most of the latency rise.',
  soak:
    'A steady load for a long time: the simulator at 5,000 events/s over 10 symbols, 1,000 clients on book and trades at a 50 msgs/s budget each (so most are caught up in merged form). RSS, heap and event-loop lag are sampled every 10 s; the slopes are over the second half. ' +
    '`retained_*` is md_retained_items, what the hub and the WebSocket server hold: per symbol at most 10,000 book deltas (60 s) per book stream for resumes and 10,000 trades; per client its subscriptions and up to WS_MAX_BUFFERED_BYTES of unsent data. After the clients leave their subscriptions and catch-up state must be gone. ' +
    'Memory was 499-653 MiB RSS before two changes: ccxt\'s entry module loaded all ~110 exchanges in every process (+78 MiB; now one module per exchange used), and V8 let the heap grow ~3× past its live set (HEAP_GROWING_PERCENT now caps it at 2×).',
};
