// The sequence of the last trade published per symbol, carried in the committed offset's metadata
// (the same transaction as the md.* messages). Offsets commit below events still held in a
// reorder window, so a core that takes a partition over (or restarts) re-reads events whose
// trades were already published: it skips trades at or below these marks. Pure.

/** Kafka's offset.metadata.max.bytes default. */
const METADATA_MAX = 4096;

export class TradeWatermarks {
  private readonly marks = new Map<string, number>();

  /** Trades handed to a transaction (any order). */
  note(trades: readonly { symbol: string; sequence: number }[]): void {
    for (const t of trades) if (t.sequence > (this.marks.get(t.symbol) ?? -1)) this.marks.set(t.symbol, t.sequence);
  }

  get(symbol: string): number | undefined {
    return this.marks.get(symbol);
  }

  /**
   * The metadata of one partition's committed offset: the marks of its symbols and the id of the
   * transaction's round (JSON); without the marks when too large.
   */
  metadata(symbols: Iterable<string>, round?: string): string {
    const entries: Record<string, number> = {};
    for (const s of symbols) {
      const m = this.marks.get(s);
      if (m !== undefined) entries[s] = m;
    }
    const json = JSON.stringify(round === undefined ? { trades: entries } : { trades: entries, round });
    if (Buffer.byteLength(json) <= METADATA_MAX) return json;
    return round === undefined ? '' : JSON.stringify({ round });
  }

  /** The round id a committed offset's metadata carries (undefined when none). */
  static roundOf(metadata: string | null | undefined): string | undefined {
    if (!metadata) return undefined;
    try {
      const round = (JSON.parse(metadata) as { round?: unknown }).round;
      return typeof round === 'string' ? round : undefined;
    } catch {
      return undefined;
    }
  }

  /** Marks read back from a committed offset's metadata (anything else is ignored). */
  load(metadata: string | null | undefined): Map<string, number> {
    const out = new Map<string, number>();
    if (!metadata) return out;
    try {
      const parsed = JSON.parse(metadata) as { trades?: Record<string, unknown> };
      for (const [symbol, seq] of Object.entries(parsed.trades ?? {})) {
        if (typeof seq === 'number' && Number.isSafeInteger(seq)) {
          out.set(symbol, seq);
          if (seq > (this.marks.get(symbol) ?? -1)) this.marks.set(symbol, seq);
        }
      }
    } catch {
      // metadata written by something else: no marks
    }
    return out;
  }
}
