// Keeps one symbol's book equal to the engine's: applies events in sequence, and on a gap, a
// crossed book, a rejected delta or a book-hash mismatch, resyncs from the engine's snapshot
// while buffering later events so none is lost. Pure: snapshots and hashes are handed in.
import { bookChecksum, checksumOfStrings, CHECKSUM_ALGORITHM } from '../domain/book-checksum.js';
import type { Books } from '../domain/books.js';
import { levelStrings } from '../domain/instrument.js';
import type { Side } from '../domain/order-book.js';
import type { WireBookHash, WireBookSnapshot, WireEngineEvent } from '../contract/engine-wire.js';
import { UndoLog } from './undo-log.js';

export type SyncStatus = 'in_sync' | 'resyncing';
export const RESYNC_REASONS = ['gap', 'crossed', 'hash_mismatch', 'rejected'] as const;
export type ResyncReason = (typeof RESYNC_REASONS)[number];
export type HashResult = 'match' | 'mismatch' | 'unverifiable';

export interface BookSyncListener {
  /** A level of the in-sync book changed (ticks, lots) with the event `sequence`. */
  levelChanged(symbol: string, side: Side, price: number, size: number, sequence: number): void;
  /** The book was replaced from an engine snapshot and is in sync again at `sequence`. */
  bookReplaced(symbol: string, sequence: number): void;
  resyncStarted(symbol: string, reason: ResyncReason, detail: string): void;
  hashChecked(symbol: string, result: HashResult): void;
}

export class BookSync {
  status: SyncStatus = 'in_sync';
  private buffer: WireEngineEvent[] = [];
  /** While resyncing: the lowest snapshot sequence that repairs the book. */
  private needAtLeast = 0;
  /** No event has moved the book since it started from a snapshot: a newer snapshot is simply a newer start. */
  private snapshotsOnly = true;
  private readonly undo = new UndoLog();
  private pendingHashes: WireBookHash[] = [];
  /** Scratch: side, price, size triples of the delta being applied. */
  private readonly changed: (Side | number)[] = [];

  constructor(
    readonly symbol: string,
    private readonly books: Books,
    private readonly listener: BookSyncListener,
    private readonly latestSnapshot: (symbol: string) => WireBookSnapshot | undefined,
    private readonly maxBuffered = 200_000,
  ) {}

  get sequence(): number {
    return this.books.book(this.symbol)?.sequence ?? 0;
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  /** Starts from an engine snapshot (service start). */
  initFrom(snap: WireBookSnapshot): void {
    this.replaceFrom(snap);
  }

  /** The next event of this symbol in stream order (after de-duplication). */
  onEvent(e: WireEngineEvent): void {
    this.snapshotsOnly = false;
    if (this.status === 'resyncing') {
      this.bufferEvent(e);
      return;
    }
    const book = this.books.book(this.symbol)!;
    if (e.sequence <= book.sequence) return; // already inside the snapshot the book came from
    if (e.sequence > book.sequence + 1) {
      this.startResync('gap', e.sequence - 1, `expected ${book.sequence + 1}, got ${e.sequence}`);
      this.bufferEvent(e);
      return;
    }
    if (e.kind === 'BOOK_DELTA' && e.book_delta) {
      const seq = e.sequence;
      const changed = this.changed;
      changed.length = 0;
      const rejected = this.books.applyDelta(this.symbol, e.book_delta.bids, e.book_delta.asks, seq, (side, price, before, after) => {
        this.undo.record(seq, side, price, before);
        changed.push(side, price, after);
      });
      if (rejected) {
        this.startResync('rejected', seq, `${rejected.reason}: ${rejected.message}`);
        return;
      }
      if (book.isCrossed()) {
        // never pass a crossed book on: resync instead
        this.startResync('crossed', seq, `best bid ${book.bids.bestPrice()} >= best ask ${book.asks.bestPrice()} at ${seq}`);
        return;
      }
      for (let i = 0; i < changed.length; i += 3) {
        this.listener.levelChanged(this.symbol, changed[i] as Side, changed[i + 1] as number, changed[i + 2] as number, seq);
      }
    } else {
      book.sequence = e.sequence; // trades and open interest do not move levels; the delta after them does
    }
    this.checkPendingHashes();
  }

  /** A snapshot from engine.snapshot.v1: starts a book that has seen nothing yet, or ends a resync. */
  onSnapshot(snap: WireBookSnapshot): void {
    // at start the snapshot topic is read from its oldest record: the book starts from the latest one
    if (this.status === 'in_sync' && this.snapshotsOnly && snap.sequence > this.sequence) this.replaceFrom(snap);
    else if (this.status === 'resyncing' && snap.sequence >= this.needAtLeast) this.replaceFrom(snap);
  }

  /** A call that the stream skipped `from..to` for good (the sequencer gave up waiting). */
  onGap(from: number, to: number): void {
    if (this.status === 'in_sync' && to > this.sequence) this.startResync('gap', to, `sequences ${from}..${to} never arrived`);
  }

  onHash(h: WireBookHash): void {
    if (this.status !== 'in_sync' || h.algorithm !== CHECKSUM_ALGORITHM) {
      this.listener.hashChecked(this.symbol, 'unverifiable');
      return;
    }
    if (h.sequence > this.sequence) {
      this.pendingHashes.push(h);
      this.pendingHashes.sort((a, b) => a.sequence - b.sequence);
      if (this.pendingHashes.length > 64) this.pendingHashes.shift();
      return;
    }
    this.verify(h);
  }

  private checkPendingHashes(): void {
    while (this.pendingHashes.length && this.pendingHashes[0]!.sequence <= this.sequence && this.status === 'in_sync') {
      this.verify(this.pendingHashes.shift()!);
    }
  }

  private verify(h: WireBookHash): void {
    const inst = this.books.instrument(this.symbol)!;
    const book = this.books.book(this.symbol)!;
    let ours: number;
    if (h.sequence === book.sequence) {
      ours = bookChecksum(book, inst.tick, inst.lot, h.depth);
    } else {
      const then = this.undo.bookAt(book, h.sequence);
      if (!then) {
        this.listener.hashChecked(this.symbol, 'unverifiable');
        return;
      }
      const n = h.depth > 0 ? h.depth : Infinity;
      ours = checksumOfStrings(levelStrings(inst, then.bids.slice(0, n)), levelStrings(inst, then.asks.slice(0, n)), h.depth);
    }
    if (ours === h.hash) {
      this.listener.hashChecked(this.symbol, 'match');
      return;
    }
    this.listener.hashChecked(this.symbol, 'mismatch');
    this.startResync('hash_mismatch', Math.max(h.sequence, this.sequence), `engine hash ${h.hash} at ${h.sequence}, ours ${ours}`);
  }

  private startResync(reason: ResyncReason, needAtLeast: number, detail: string): void {
    this.status = 'resyncing';
    this.needAtLeast = needAtLeast;
    this.pendingHashes = [];
    this.listener.resyncStarted(this.symbol, reason, detail);
    const snap = this.latestSnapshot(this.symbol);
    if (snap && snap.sequence >= needAtLeast) this.replaceFrom(snap);
  }

  private bufferEvent(e: WireEngineEvent): void {
    this.buffer.push(e);
    if (this.buffer.length > this.maxBuffered) {
      // keep memory bounded: drop the oldest; the snapshot must then cover it too
      const dropped = this.buffer.shift()!;
      this.needAtLeast = Math.max(this.needAtLeast, dropped.sequence);
    }
  }

  private replaceFrom(snap: WireBookSnapshot): void {
    const rejected = this.books.applySnapshot(this.symbol, snap.bids, snap.asks, snap.sequence);
    if (rejected) {
      // a snapshot we cannot read repairs nothing: keep waiting for the next one
      this.status = 'resyncing';
      this.needAtLeast = Math.max(this.needAtLeast, snap.sequence + 1);
      return;
    }
    this.undo.reset(snap.sequence);
    this.status = 'in_sync';
    this.listener.bookReplaced(this.symbol, snap.sequence);
    const buffered = this.buffer;
    this.buffer = [];
    for (const e of buffered) this.onEvent(e); // may start another resync, which buffers the rest
  }
}
