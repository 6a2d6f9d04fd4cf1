// Which clients to close when the send buffers of all connections together pass their budget
// (WS_MAX_BUFFERED_TOTAL_BYTES): the largest first, and only those holding more than a floor, so a
// client that just got a book snapshot is never the one closed. Each connection alone is still
// capped by WS_MAX_BUFFERED_BYTES; this caps a thousand of them together.

export interface Buffered<T> {
  conn: T;
  bytes: number;
}

/** The connections to close, largest buffer first, until the total is within the budget (or no one is left above the floor). */
export function overBudget<T>(conns: Buffered<T>[], total: number, budget: number, floor: number): T[] {
  if (total <= budget) return [];
  const candidates = conns.filter((c) => c.bytes > floor).sort((a, b) => b.bytes - a.bytes);
  const shed: T[] = [];
  for (const c of candidates) {
    if (total <= budget) break;
    shed.push(c.conn);
    total -= c.bytes;
  }
  return shed;
}
