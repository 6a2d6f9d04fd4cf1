// Reading the service's Prometheus text exposition in tests and benchmarks.

/** The value of one series (name plus labels exactly as exposed), undefined when it does not exist. */
export function promSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every series of `name` with one label, by that label's value ({} when there is none). */
export function promByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{${label}="([^"]*)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out[m[1]!] = Number(m[2]);
  return out;
}
