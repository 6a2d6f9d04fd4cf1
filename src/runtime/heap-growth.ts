// How far V8 lets the heap grow past what the last full GC left live before it collects again.
// V8 picks the factor itself (up to 4×) and, for this allocation pattern, picked ~3×: in the soak
// (5,000 events/s, 1,000 clients) ~110 MiB live became a 330 MiB heap and 500 MiB of RSS. At 2× the
// heap stayed under 175 MiB and RSS under 350 MiB for the same CPU; 1.5× cost ~20 % of the messages
// delivered to catch-up clients (2026-12-06). Later code allocates less: on 2026-12-07 an hour at
// 2× peaked at 425 MiB, its heap reserving up to 2.7× what the GC left live; 1.6× took 5-minute runs'
// peaks from 337-368 to 285-301 MiB at the same messages delivered, major GC pauses 0.2 -> 0.3-0.8 %
// of the run, and 1.3× started to cost CPU and lag. 0 leaves V8's own choice.
import v8 from 'node:v8';

export function setHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
