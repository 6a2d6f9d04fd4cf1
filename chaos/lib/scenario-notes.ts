// What each chaos scenario does and how to read its figures (docs/RELIABILITY.md).
export const SCENARIO_NOTES: Record<string, string> = {
  crashes:
    'kill -9 of the service (ROLE=all, every store on) at random moments of a simulator run with every engine fault on (gaps, duplicates, reordering, undecodable messages, crossed books), started again at once each time. ' +
    'Afterwards every trade the engine published is looked up on md.trades.v1.* and in ClickHouse (FINAL, as a user reads it), every stored candle of every interval is compared with a batch recomputation from the stored trades (and every candle the trades make between the first and last stored one must be stored), the last 24h ticker of each symbol with a recomputation, and each REST book with the engine\'s final snapshot. ' +
    '`serve_again_s`: from the kill to every symbol\'s book advancing on REST past where it was at the kill; it includes the new process\'s start, migrations, restoring candles and tickers from stored trades, and the consumer group waiting out the dead member\'s session (KAFKA_SESSION_TIMEOUT_MS, 6 s by default).',
};
