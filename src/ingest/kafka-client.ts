import type { LogEntry } from 'kafkajs';
import { kafkajsAbortFilterIsCorrect } from './kafkajs-aborted-filter.js';
import { Kafka, logLevel } from './kafkajs.js';
import type { Logger } from '../obs/logger.js';

/** Which kind of kafkajs client sent a request. */
export type KafkaClientKind = 'producer' | 'consumer' | 'admin';

/**
 * One kafkajs client for the process, logging through pino. `onRequest` hears every request its
 * producers, consumers and admins send (kafkajs's REQUEST instrumentation event), by Kafka API.
 */
export function createKafka(brokers: string[], clientId: string, log: Logger, retries = 8, onRequest?: (client: KafkaClientKind, api: string) => void): Kafka {
  // read_committed consumers (edges on md.*, the engine consumer) would otherwise pass on aborted rounds
  if (!kafkajsAbortFilterIsCorrect()) throw new Error('kafkajs loaded before src/ingest/kafkajs-aborted-filter.ts (or a kafkajs layout it does not know): read_committed would deliver aborted transactions');
  const kafkaLog = log.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    // at most 2 s between attempts (kafkajs's default grows to 30 s): back within seconds of a broker's return
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...extra } = entry;
        // Transactions meet CONCURRENT_TRANSACTIONS right after a commit and kafkajs retries: not an error.
        if (`${message} ${String((extra as { error?: unknown }).error ?? '')}`.includes('another concurrent operation on the same transaction')) {
          kafkaLog.debug(extra, message);
        } else if (level === logLevel.ERROR) kafkaLog.error(extra, message);
        else if (level === logLevel.WARN) kafkaLog.warn(extra, message);
        else kafkaLog.debug(extra, message);
      },
  });
  if (onRequest) countRequests(kafka, onRequest);
  return kafka;
}

type Instrumented = { on(event: string, listener: (e: { payload: { apiName: string } }) => void): unknown; events: { REQUEST: string } };

function countRequests(kafka: Kafka, onRequest: (client: KafkaClientKind, api: string) => void): void {
  for (const kind of ['producer', 'consumer', 'admin'] as const) {
    const make = (kafka[kind] as (...args: unknown[]) => Instrumented).bind(kafka);
    (kafka as unknown as Record<KafkaClientKind, unknown>)[kind] = (...args: unknown[]) => {
      const client = make(...args);
      client.on(client.events.REQUEST, (e) => onRequest(kind, e.payload.apiName));
      return client;
    };
  }
}
