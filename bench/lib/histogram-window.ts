// Quantiles of a Prometheus histogram over a window: the difference of two scrapes' buckets,
// interpolated linearly inside the bucket the quantile falls in (as histogram_quantile does).

/** Cumulative bucket counts of `name` for the series whose labels include `labels` (e.g. 'stage="core"'), by upper bound. */
export function buckets(text: string, name: string, labels: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    out.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** The q-quantile (0..1) of what was observed between scrape `before` and scrape `after`; undefined when nothing was. */
export function windowQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const upper = bounds[i]!;
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : counts[i - 1]!;
    return lower + ((upper - lower) * (rank - below)) / Math.max(1, counts[i]! - below);
  }
  return bounds[bounds.length - 2];
}
