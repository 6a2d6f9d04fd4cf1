// Reading the service's Prometheus text exposition in tests and benchmarks.

/** The value of one series (name plus labels exactly as exposed), undefined when it does not exist. */
export function promSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
