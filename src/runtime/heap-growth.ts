// How far V8 lets the heap grow past what the last full GC left live before it collects again.
// V8 picks the factor itself (up to 4×) and, for this allocation pattern, picked ~3×: in the soak
// (5,000 events/s, 1,000 clients) ~110 MiB live became a 330 MiB heap and 500 MiB of RSS. At 2× the
// heap stayed under 175 MiB and RSS under 350 MiB for the same CPU; 1.5× cost ~20 % of the messages
// delivered to catch-up clients. 0 leaves V8's own choice.
import v8 from 'node:v8';

export function setHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
