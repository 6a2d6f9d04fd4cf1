// A stream of values from the server, read either as an async iterable or with callbacks.
// `ready` settles with the server's answer to the subscription (or its error code).
import type { MarketDataError } from './errors.js';

export interface StreamOptions {
  /** Keep only the newest value for a reader that is behind (books); otherwise up to `buffer` values. */
  latestOnly?: boolean;
  /** Values held for a slow async reader before the oldest are dropped (default 10,000). */
  buffer?: number;
}

export class Stream<T> implements AsyncIterable<T> {
  /** Settles when the server accepted the subscription, or rejects with its error code. */
  readonly ready: Promise<void>;
  /** Values dropped because an async reader fell more than `buffer` behind. */
  dropped = 0;
  private resolveReady!: () => void;
  private rejectReady!: (err: MarketDataError) => void;
  private readonly listeners = new Set<(v: T) => void>();
  private readonly errorListeners = new Set<(err: MarketDataError) => void>();
  private readonly readers = new Set<Reader<T>>();
  private error: MarketDataError | undefined;
  private ended = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly onClose: () => void,
  ) {
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => undefined); // reported through iterators and onError too
  }

  /** Calls `listener` with every value; returns a function that stops it. */
  on(listener: (v: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onError(listener: (err: MarketDataError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Unsubscribes and ends every reader. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose();
    for (const r of this.readers) r.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const reader = new Reader<T>(this.opts, () => this.readers.delete(reader), this);
    if (this.error) reader.fail(this.error);
    else if (this.ended) reader.end();
    else this.readers.add(reader);
    return reader;
  }

  // ---- fed by the client ----

  accepted(): void {
    this.resolveReady();
  }

  push(v: T): void {
    for (const l of this.listeners) l(v);
    for (const r of this.readers) r.push(v);
  }

  fail(err: MarketDataError): void {
    this.error = err;
    this.ended = true;
    this.rejectReady(err);
    for (const l of this.errorListeners) l(err);
    for (const r of this.readers) r.fail(err);
  }
}

class Reader<T> implements AsyncIterator<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;

  constructor(
    private readonly opts: StreamOptions,
    private readonly detach: () => void,
    private readonly stream: { dropped: number },
  ) {}

  push(v: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: v, done: false });
      return;
    }
    if (this.opts.latestOnly) this.queue.length = 0;
    else if (this.queue.length >= (this.opts.buffer ?? 10_000)) {
      this.queue.shift();
      this.stream.dropped++;
    }
    this.queue.push(v);
  }

  end(): void {
    this.done = true;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = undefined;
  }

  fail(err: unknown): void {
    this.error = err;
    this.done = true;
    this.waiting?.reject(err);
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.done = true;
    this.queue.length = 0;
    this.detach();
    return Promise.resolve({ value: undefined, done: true });
  }
}
