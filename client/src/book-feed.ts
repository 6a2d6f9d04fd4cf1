// A book subscription that only ever shows verified states: every message is chained and
// checksummed (LocalBook); on a break it subscribes again for a fresh snapshot, on a reconnect it
// resumes from the last verified seq, so the server sends only what was missed.
import type { BookFrame, DataFrame, SubscribedFrame } from '../../src/contract/ws-frames.js';
import type { Connection, Subscription } from './connection.js';
import { MarketDataError } from './errors.js';
import { LocalBook, type VerifiedBook } from './local-book.js';
import { Stream } from './stream.js';

export interface BookOptions {
  /** Price grouping, a multiple of the tick (e.g. "0.5"); default the raw book. */
  prec?: string;
  /** Levels per side `levels()` returns by default. */
  depth?: number;
}

export interface BookStats {
  messages: number;
  snapshots: number;
  chainBreaks: number;
  checksumMismatches: number;
  /** Subscriptions sent again to rebuild the book (after a break or a mismatch). */
  resubscribes: number;
  /** Verified states not shown because they were older than one already shown (a restarted server catching up). */
  heldBack: number;
}

export class BookFeed extends Stream<VerifiedBook> implements Subscription {
  readonly book: LocalBook;
  /** The newest seq shown to readers: they never see the book go back in time. */
  private shownSeq = -1;
  readonly stats: BookStats = { messages: 0, snapshots: 0, chainBreaks: 0, checksumMismatches: 0, resubscribes: 0, heldBack: 0 };

  constructor(
    private readonly conn: Connection,
    readonly symbol: string,
    private readonly options: BookOptions = {},
  ) {
    super({ latestOnly: true }, () => conn.remove(this));
    this.book = new LocalBook(symbol, options.depth);
    conn.add(this);
  }

  request() {
    // after a drop, the last verified seq: the server answers with the deltas missed (or a snapshot)
    return { channel: 'book' as const, symbol: this.symbol, ...(this.options.prec ? { prec: this.options.prec } : {}), ...(this.book.ready ? { seq: this.book.seq } : {}) };
  }

  onSubscribed(_f: SubscribedFrame): void {
    this.accepted();
  }

  onRefused(err: MarketDataError): void {
    this.fail(err);
  }

  onFrame(f: DataFrame): void {
    if (f.type !== 'book') return;
    this.stats.messages++;
    const outcome = this.book.apply(f as BookFrame);
    switch (outcome) {
      case 'applied':
        if (f.action === 'snapshot') this.stats.snapshots++;
        this.show();
        return;
      case 'status':
        if (this.book.ready) this.show();
        return;
      case 'no_base':
        return;
      case 'chain_break':
      case 'checksum_mismatch':
        if (outcome === 'chain_break') this.stats.chainBreaks++;
        else this.stats.checksumMismatches++;
        this.stats.resubscribes++;
        this.conn.resubscribe(this);
    }
  }

  /**
   * A server that restarted (or an edge behind another) can answer a resume with a snapshot older
   * than what this feed already showed; its states are verified but held back until they pass it.
   */
  private show(): void {
    if (this.book.seq < this.shownSeq) {
      this.stats.heldBack++;
      return;
    }
    this.shownSeq = this.book.seq;
    this.push(this.book);
  }
}

export { MarketDataError };
