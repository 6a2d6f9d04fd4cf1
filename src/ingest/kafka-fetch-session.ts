// A Kafka fetch session (KIP-227) as a client keeps it: the broker remembers the partitions of a
// session and their fetch offsets, so each fetch after the first names only the partitions whose
// offset moved (and those dropped), and the broker answers only for partitions with something new.
// A consumer of a few hundred md.* partitions otherwise encodes, sends and decodes all of them on
// every fetch, and at a low rate it fetches hundreds of times a second. Pure: the caller sends.

export interface FetchPartition {
  partition: number;
  fetchOffset: string;
  maxBytes: number;
}
export interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}

/** What the next fetch request carries. */
export interface SessionRequest {
  sessionId: number;
  /** 0 opens a session (closing `sessionId`'s if not 0), -1 fetches without one, else the session's next epoch. */
  sessionEpoch: number;
  /** The full list when opening or sessionless, else only the partitions new or changed. */
  topics: FetchTopic[];
  forgottenTopics: { topic: string; partitions: number[] }[];
  full: boolean;
}

export const FETCH_SESSION_ID_NOT_FOUND = 70;
export const INVALID_FETCH_SESSION_EPOCH = 71;
const INITIAL_EPOCH = 0;
const SESSIONLESS_EPOCH = -1;
/** After the broker declines to open a session (its cache full), fetches go sessionless this long before asking again. */
export const SESSION_RETRY_MS = 60_000;

export class FetchSession {
  private id = 0;
  private epoch = INITIAL_EPOCH;
  /** The partitions the broker holds for the session: topic → partition → "offset/maxBytes". */
  private held = new Map<string, Map<number, string>>();
  private open = false;
  private inFlight = false;
  private declinedAt = -Infinity;

  /** Whether a session is open (the broker answered one with its id). */
  get isOpen(): boolean {
    return this.open;
  }

  /**
   * The request for a fetch of `topics` (every partition the consumer wants now). A fetch while
   * another is out (not expected: one fetch loop per broker) goes without the session.
   */
  next(topics: FetchTopic[], now = Date.now()): SessionRequest {
    if (this.inFlight || (!this.open && now - this.declinedAt < SESSION_RETRY_MS)) {
      return { sessionId: 0, sessionEpoch: SESSIONLESS_EPOCH, topics, forgottenTopics: [], full: true };
    }
    this.inFlight = true;
    if (!this.open) return { sessionId: this.id, sessionEpoch: INITIAL_EPOCH, topics, forgottenTopics: [], full: true };
    const changed: FetchTopic[] = [];
    const wanted = new Map<string, Set<number>>();
    for (const t of topics) {
      const held = this.held.get(t.topic);
      const parts: FetchPartition[] = [];
      const ids = new Set<number>();
      for (const p of t.partitions) {
        ids.add(p.partition);
        if (held?.get(p.partition) !== key(p)) parts.push(p);
      }
      wanted.set(t.topic, ids);
      if (parts.length) changed.push({ topic: t.topic, partitions: parts });
    }
    const forgottenTopics: { topic: string; partitions: number[] }[] = [];
    for (const [topic, held] of this.held) {
      const ids = wanted.get(topic);
      const gone = [...held.keys()].filter((p) => !ids?.has(p));
      if (gone.length) forgottenTopics.push({ topic, partitions: gone });
    }
    return { sessionId: this.id, sessionEpoch: this.epoch, topics: changed, forgottenTopics, full: false };
  }

  /** The broker answered `request` with `errorCode` and `sessionId` (its top-level fields). */
  answered(request: SessionRequest, errorCode: number, sessionId: number, now = Date.now()): void {
    if (request.sessionEpoch === SESSIONLESS_EPOCH) return;
    this.inFlight = false;
    if (errorCode !== 0) return this.reset();
    if (request.sessionEpoch === INITIAL_EPOCH) {
      this.held = new Map();
      if (sessionId === 0) {
        // declined (the broker's session cache is full): sessionless for a while
        this.open = false;
        this.id = 0;
        this.declinedAt = now;
        return;
      }
      this.id = sessionId;
      this.open = true;
      this.epoch = INITIAL_EPOCH;
    }
    for (const t of request.topics) {
      let held = this.held.get(t.topic);
      if (!held) this.held.set(t.topic, (held = new Map()));
      for (const p of t.partitions) held.set(p.partition, key(p));
    }
    for (const f of request.forgottenTopics) {
      const held = this.held.get(f.topic);
      if (!held) continue;
      for (const p of f.partitions) held.delete(p);
      if (!held.size) this.held.delete(f.topic);
    }
    this.epoch = this.epoch >= 0x7fffffff ? 1 : this.epoch + 1;
  }

  /** The fetch failed (no answer, or one the client could not use): the next one opens the session anew. */
  failed(request: SessionRequest): void {
    if (request.sessionEpoch === SESSIONLESS_EPOCH) return;
    this.inFlight = false;
    this.reset();
  }

  private reset(): void {
    // the id stays: the next opening request closes the broker's copy of it
    this.open = false;
    this.epoch = INITIAL_EPOCH;
    this.held = new Map();
  }
}

const key = (p: FetchPartition) => `${p.fetchOffset}/${p.maxBytes}`;
