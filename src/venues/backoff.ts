/** Exponential backoff with jitter: attempt 0 waits about `baseMs`, doubling up to `maxMs`, each wait drawn from [½, 1] of it. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}
