// An outside venue's book as this service publishes it: ccxt keeps the venue's book (its sequence
// rules and checksums); after every update ccxt hands over, the top `depth` levels become exact
// ticks and lots and are diffed against what was published, giving a delta with this service's
// own seq/prev_seq and top-25 checksum, the same contract as an engine book. Pure.
import { bookChecksum, CHECKSUM_DEPTH } from '../domain/book-checksum.js';
import type { Instrument } from '../domain/instrument.js';
import { OrderBook, type Level } from '../domain/order-book.js';
import type { BookDeltaValue, BookSnapshotValue } from '../market/market-output.js';
import { unitsOf, VenueValueError } from './exact.js';

export type CcxtLevels = readonly (readonly number[])[];

/** ccxt levels (best first) as exact [ticks, lots], at most `depth`, refusing what is off the market's increments. */
export function exactLevels(inst: Instrument, levels: CcxtLevels, depth: number): Level[] {
  const out: Level[] = [];
  for (let i = 0; i < levels.length && out.length < depth; i++) {
    const l = levels[i]!;
    const price = unitsOf(l[0]!, inst.tick);
    const size = unitsOf(l[1]!, inst.lot);
    if (size === 0) continue;
    out.push([price, size]);
  }
  return out;
}

export class VenueBook {
  readonly book = new OrderBook();
  /** Whether the published book is one to trust: false until a snapshot, and after a break. */
  synced = false;
  private everSynced = false;
  /** Broke while in sync, and not yet told (see announceBreak). */
  private broken = false;

  constructor(
    readonly symbol: string,
    readonly instrument: Instrument,
    public depth: number,
  ) {}

  /** The venue's book failed a check (or the stream broke): nothing more is published until it is rebuilt. */
  breakSync(): void {
    if (this.synced) this.broken = true;
    this.synced = false;
  }

  /** Once per break: the book as last served, status resyncing (what md.* readers are told). */
  announceBreak(timestamp: number): BookSnapshotValue | undefined {
    if (!this.broken || this.synced) return undefined;
    this.broken = false;
    return this.snapshot('resync', timestamp);
  }

  /** ccxt's book after an update: a snapshot (first, or after a break) or the delta to it; nothing when the top did not change. */
  update(bids: CcxtLevels, asks: CcxtLevels, timestamp: number, receivedAt = timestamp): { snapshot?: BookSnapshotValue; delta?: BookDeltaValue } {
    const inst = this.instrument;
    const b = exactLevels(inst, bids, this.depth);
    const a = exactLevels(inst, asks, this.depth);
    if (b.length && a.length && b[0]![0] >= a[0]![0]) throw new VenueValueError(`crossed book: bid ${inst.tick.format(b[0]![0])} >= ask ${inst.tick.format(a[0]![0])}`);
    const book = this.book;
    if (!this.synced) {
      book.replace(b, a, book.sequence + 1);
      this.synced = true;
      this.broken = false;
      const reason = this.everSynced ? 'resync' : 'start';
      this.everSynced = true;
      return { snapshot: this.snapshot(reason, timestamp) };
    }
    const bidChanges = diff(book, 'bid', b);
    const askChanges = diff(book, 'ask', a);
    if (bidChanges.size === 0 && askChanges.size === 0) return {};
    for (const [p, s] of bidChanges) book.set('bid', p, s);
    for (const [p, s] of askChanges) book.set('ask', p, s);
    const prevSequence = book.sequence;
    book.sequence = prevSequence + 1;
    return {
      delta: {
        symbol: this.symbol,
        prevSequence,
        sequence: book.sequence,
        timestamp,
        sendTimeUs: receivedAt * 1000,
        bids: bidChanges,
        asks: askChanges,
        checksum: bookChecksum(book, inst.tick, inst.lot, CHECKSUM_DEPTH),
      },
    };
  }

  snapshot(reason: BookSnapshotValue['reason'], timestamp: number): BookSnapshotValue {
    const { bids, asks } = this.book.depth(this.depth);
    return {
      symbol: this.symbol,
      sequence: this.book.sequence,
      reason,
      status: this.synced ? 'in_sync' : 'resyncing',
      timestamp,
      bids,
      asks,
      checksum: bookChecksum(this.book, this.instrument.tick, this.instrument.lot, CHECKSUM_DEPTH),
    };
  }
}

/** Level changes (price → new size, 0 = gone) that turn one side of `book` into `next`. */
function diff(book: OrderBook, side: 'bid' | 'ask', next: readonly Level[]): Map<number, number> {
  const changes = new Map<number, number>();
  const current = book.side(side).top(Number.MAX_SAFE_INTEGER);
  const wanted = new Map(next.map(([p, s]) => [p, s]));
  for (const [p] of current) if (!wanted.has(p)) changes.set(p, 0);
  for (const [p, s] of next) if (book.side(side).sizeAt(p) !== s) changes.set(p, s);
  return changes;
}
