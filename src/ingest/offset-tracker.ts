// Per partition of the events topic: the next offset after the last processed event, and the
// offset last committed. What may commit is never past an event the state still holds (waiting in
// a reorder window or for its instrument): those are read again after a restart. Pure.

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export class OffsetTracker {
  private readonly processed = new Map<number, number>();
  private readonly committed = new Map<number, number>();

  /** Every event of `partition` before `next` has been processed. */
  processedUpTo(partition: number, next: number): void {
    this.processed.set(partition, next);
  }

  hasProcessed(partition: number): boolean {
    return this.processed.has(partition);
  }

  /** Per partition: one past the last processed offset, but never past an event still held; only what moved. */
  safe(held: Map<number, number>): PartitionOffset[] {
    const out: PartitionOffset[] = [];
    for (const [partition, next] of this.processed) {
      const safe = Math.min(next, held.get(partition) ?? Infinity);
      if (safe > (this.committed.get(partition) ?? -1)) out.push({ partition, offset: String(safe) });
    }
    return out;
  }

  /** The last offset committed for `partition` (by this instance, or found committed when it joined). */
  committedOffset(partition: number): number | undefined {
    return this.committed.get(partition);
  }

  /** A partition's committed offset, any (a transaction that moves no offset commits one unchanged). */
  anyCommitted(): PartitionOffset | undefined {
    for (const [partition, offset] of this.committed) return { partition, offset: String(offset) };
    return undefined;
  }

  /** Whether this instance already committed exactly `o` (an offset that did not move since). */
  isCommitted(o: PartitionOffset): boolean {
    return this.committed.get(o.partition) === Number(o.offset);
  }

  /** For the record (the stop log): partition → next offset committed / processed. */
  committedByPartition(): Record<number, number> {
    return Object.fromEntries(this.committed);
  }

  processedByPartition(): Record<number, number> {
    return Object.fromEntries(this.processed);
  }

  committedAt(offsets: readonly PartitionOffset[]): void {
    for (const p of offsets) this.committed.set(p.partition, Number(p.offset));
  }

  /** Forgets partitions no longer assigned (another instance commits them now). */
  keepOnly(assigned: ReadonlySet<number>): void {
    for (const p of [...this.processed.keys()]) {
      if (assigned.has(p)) continue;
      this.processed.delete(p);
      this.committed.delete(p);
    }
  }
}

/** Offsets of several takes: per partition the furthest (each take's are safe when taken). */
export function mergeOffsets(all: readonly PartitionOffset[][]): PartitionOffset[] {
  const best = new Map<number, number>();
  for (const list of all) for (const p of list) best.set(p.partition, Math.max(best.get(p.partition) ?? -1, Number(p.offset)));
  return [...best].map(([partition, offset]) => ({ partition, offset: String(offset) }));
}
