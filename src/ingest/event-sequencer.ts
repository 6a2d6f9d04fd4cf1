// Per-symbol stream order: drops duplicates, waits briefly for an out-of-order event, and declares
// a gap when the missing sequence does not come. Pure; the caller supplies the clock.

export interface Sequenced {
  sequence: number;
}

export type PushResult = 'released' | 'duplicate' | 'held';

export interface Gap {
  /** First sequence that never arrived. */
  from: number;
  /** Last sequence that never arrived. */
  to: number;
}

export class EventSequencer<E extends Sequenced> {
  /** Last sequence released downstream; undefined until the first event (a consumer may start anywhere). */
  private last: number | undefined;
  /** Out-of-order events waiting for a missing one, with the time each arrived. */
  private readonly held = new Map<number, { e: E; at: number }>();

  constructor(
    /** Events held for a missing one before the gap is declared at once. */
    private readonly maxHeld = 512,
    /** How long the oldest held event may wait for the missing one. */
    private readonly maxWaitMs = 250,
  ) {}

  get lastReleased(): number | undefined {
    return this.last;
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** The events waiting for a missing one (their offsets must not be committed yet). */
  *heldEvents(): IterableIterator<E> {
    for (const h of this.held.values()) yield h.e;
  }

  /** Releases `e` and any held events that follow it into `out`, in order. */
  push(e: E, now: number, out: E[], gaps: Gap[]): PushResult {
    const seq = e.sequence;
    if (this.last === undefined) this.last = seq - 1;
    if (seq <= this.last || this.held.has(seq)) return 'duplicate';
    if (seq === this.last + 1) {
      out.push(e);
      this.last = seq;
      this.drain(out);
      return 'released';
    }
    this.held.set(seq, { e, at: now });
    if (this.held.size > this.maxHeld) this.skipGap(out, gaps);
    return 'held';
  }

  /** Declares each gap whose next held event has waited too long; call periodically. */
  expire(now: number, out: E[], gaps: Gap[]): void {
    while (this.held.size > 0 && now - this.oldestArrival() >= this.maxWaitMs) this.skipGap(out, gaps);
  }

  /** When the oldest held event arrived (Infinity when none is held). */
  oldestArrival(): number {
    let t = Infinity;
    for (const h of this.held.values()) if (h.at < t) t = h.at;
    return t;
  }

  private skipGap(out: E[], gaps: Gap[]): void {
    let min = Infinity;
    for (const s of this.held.keys()) if (s < min) min = s;
    gaps.push({ from: this.last! + 1, to: min - 1 });
    this.last = min - 1;
    this.drain(out);
  }

  /** Releases held events while they are contiguous. */
  private drain(out: E[]): void {
    while (this.held.size > 0) {
      const next = this.held.get(this.last! + 1);
      if (!next) return;
      this.held.delete(next.e.sequence);
      out.push(next.e);
      this.last = next.e.sequence;
    }
  }
}
