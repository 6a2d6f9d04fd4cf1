// kafkajs 2.2.4 sends every fetch in full (session_epoch -1: every assigned partition named, every
// one answered), the Java client has used fetch sessions since Kafka 1.1. This gives kafkajs's
// Broker a fetch that keeps one session per broker connection (kafka-fetch-session.ts) where the
// broker speaks fetch v7+ (kafkajs implements v11 with the session fields): the consumer above it
// still asks for every partition and gets batches only for those with records, as before (kafkajs
// skips the empty ones). Off (`useFetchSessions(false)`): kafkajs's own fetch.
import { FETCH_SESSION_ID_NOT_FOUND, FetchSession, INVALID_FETCH_SESSION_EPOCH, type FetchTopic, type SessionRequest } from './kafka-fetch-session.js';
import { kafkajsModule } from './kafkajs-internals.js';

interface FetchArgs {
  replicaId?: number;
  isolationLevel?: number;
  maxWaitTime?: number;
  minBytes?: number;
  maxBytes?: number;
  topics: FetchTopic[];
  rackId?: string;
}
interface ProtocolRequest {
  request: { apiVersion: number };
}
interface FetchResponse {
  errorCode?: number;
  sessionId?: number;
  responses: unknown[];
}
interface BrokerLike {
  lookupRequest(apiKey: number, definition: unknown): (args: Record<string, unknown>) => ProtocolRequest;
  connectionPool: { send(request: ProtocolRequest): Promise<FetchResponse> };
  disconnect(): Promise<void>;
  fetch(args: FetchArgs): Promise<FetchResponse>;
}

const Broker = kafkajsModule<{ prototype: BrokerLike }>('src/broker/index.js');
const apiKeys = kafkajsModule<{ Fetch: number }>('src/protocol/requests/apiKeys.js');
const requests = kafkajsModule<{ requests: { Fetch: unknown } }>('src/protocol/requests/index.js')?.requests;
const kafkajsFetch = Broker?.prototype.fetch;
const sessions = new WeakMap<BrokerLike, FetchSession>();
let enabled = true;
/** Fetches sent in a session (full or incremental) and without one, for the tests and benchmarks. */
export const fetchSessionCounts = { opened: 0, incremental: 0, sessionless: 0, resets: 0 };

/** Turns fetch sessions on or off for the fetches that follow (on by default; KAFKA_FETCH_SESSIONS). */
export function useFetchSessions(on: boolean): void {
  enabled = on;
}

/** Whether kafkajs's Broker fetches through this file. */
export const fetchSessionsInstalled = (): boolean => Broker !== undefined && Broker.prototype.fetch === sessionFetch;

/** The topics that name a partition (kafkajs shuffles a full fetch's partitions for fairness; a session's broker rotates them itself). */
const withPartitions = (topics: FetchTopic[]): FetchTopic[] => topics.filter((t) => t.partitions.length);

async function sessionFetch(this: BrokerLike, args: FetchArgs): Promise<FetchResponse> {
  const build = this.lookupRequest(apiKeys!.Fetch, requests!.Fetch);
  const { replicaId, isolationLevel, maxWaitTime = 5000, minBytes = 1, maxBytes = 10485760, rackId = '' } = args;
  const common = { replicaId, isolationLevel, maxWaitTime, minBytes, maxBytes, rackId };
  if (!enabled || build({ ...common, topics: [] }).request.apiVersion < 11) return kafkajsFetch!.call(this, args);
  let session = sessions.get(this);
  if (!session) sessions.set(this, (session = new FetchSession()));
  const topics = withPartitions(args.topics);
  for (let attempt = 0; ; attempt++) {
    const req: SessionRequest = session.next(topics);
    if (req.sessionEpoch === -1) fetchSessionCounts.sessionless++;
    else if (req.full) fetchSessionCounts.opened++;
    else fetchSessionCounts.incremental++;
    let response: FetchResponse;
    try {
      response = await this.connectionPool.send(build({ ...common, topics: req.topics, sessionId: req.sessionId, sessionEpoch: req.sessionEpoch, forgottenTopics: req.forgottenTopics }));
    } catch (err) {
      session.failed(req);
      fetchSessionCounts.resets++;
      if ((err as Error).name === 'KafkaJSConnectionClosedError') await this.disconnect();
      throw err;
    }
    const code = response.errorCode ?? 0;
    session.answered(req, code, response.sessionId ?? 0);
    // the broker lost or refused the session (restarted, evicted it): open a new one at once
    if ((code === FETCH_SESSION_ID_NOT_FOUND || code === INVALID_FETCH_SESSION_EPOCH) && attempt === 0) {
      fetchSessionCounts.resets++;
      continue;
    }
    return response;
  }
}

if (Broker && apiKeys && requests && kafkajsFetch) Broker.prototype.fetch = sessionFetch;
