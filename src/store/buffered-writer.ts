// A bounded buffer in front of a store, for rows that no Kafka offset stands behind (pricing
// history, raw index quotes): written in batches by size or time, whichever comes first,
// retried with backoff while the store is down; past `maxRows` the oldest rows are dropped and
// counted (md_store_dropped_rows_total), so an outage never grows memory without bound.
import type { Logger } from '../obs/logger.js';
import type { Metrics } from '../obs/metrics.js';
import { writeWithRetry } from './retry.js';

export interface BufferedWriterOptions {
  /** Write when this many rows wait... */
  batchRows: number;
  /** ...or when the oldest has waited this long. */
  maxDelayMs: number;
  /** Bound of the buffer. */
  maxRows: number;
}

export class BufferedWriter<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closing = false;

  constructor(
    readonly repository: string,
    private readonly write: (rows: T[]) => Promise<void>,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: BufferedWriterOptions = { batchRows: 5_000, maxDelayMs: 1_000, maxRows: 200_000 },
  ) {}

  add(rows: readonly T[]): void {
    if (rows.length === 0) return;
    this.buffer.push(...rows);
    const over = this.buffer.length - this.opts.maxRows; // the batch being written is not in the buffer
    if (over > 0) {
      this.buffer.splice(0, over);
      this.metrics.storeDropped.inc({ repository: this.repository }, over);
    }
    this.metrics.storeBuffered.set({ repository: this.repository }, this.buffer.length);
    if (this.buffer.length >= this.opts.batchRows) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxDelayMs);
  }

  /** Writes what waits (one batch at a time); resolves when the buffer is empty or the writer is closing. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // .finally runs after the assignment even when drain() has nothing to do
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      // taken out while it is written: what arrives meanwhile (and what the bound drops) is behind it
      const batch = this.buffer.splice(0, this.opts.batchRows);
      const ok = await writeWithRetry(this.repository, () => this.write(batch), this.metrics, this.log, { abandoned: () => this.closing });
      if (!ok) {
        this.buffer.unshift(...batch);
        return;
      }
      this.metrics.storeBuffered.set({ repository: this.repository }, this.buffer.length);
    }
  }

  /** Writes what waits, giving up on a store that is still down after `timeoutMs`. */
  async close(timeoutMs = 5_000): Promise<void> {
    const deadline = setTimeout(() => (this.closing = true), timeoutMs);
    await this.flush();
    clearTimeout(deadline);
    this.closing = true;
  }
}
