// A circuit breaker per venue connection: `threshold` failures within `windowMs` open it (no
// attempt for `openMs`); then one probe is let through (half-open): success closes it, failure
// opens it again. Pure: the caller passes the time.

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures: number[] = [];
  private openedAt = 0;
  private probing = false;
  state: BreakerState = 'closed';
  /** Times it opened (a metric). */
  opened = 0;

  constructor(
    readonly threshold = 5,
    readonly windowMs = 60_000,
    readonly openMs = 30_000,
  ) {}

  /** Whether an attempt may go now; in half-open, only the one probe. */
  allow(now: number): boolean {
    if (this.state === 'open' && now - this.openedAt >= this.openMs) {
      this.state = 'half_open';
      this.probing = false;
    }
    if (this.state === 'closed') return true;
    if (this.state === 'half_open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  /** How long until an attempt may go (0 when now). */
  waitMs(now: number): number {
    return this.state === 'open' ? Math.max(0, this.openMs - (now - this.openedAt)) : 0;
  }

  /** A stream delivered again. In half-open, that closes the breaker; while closed, earlier failures still count (a venue that flaps, one good message between stalls, trips it too). */
  success(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.failures = [];
    this.probing = false;
  }

  failure(now: number): void {
    if (this.state === 'half_open') return this.open(now);
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    this.failures.push(now);
    if (this.state === 'closed' && this.failures.length >= this.threshold) this.open(now);
  }

  private open(now: number): void {
    this.state = 'open';
    this.openedAt = now;
    this.probing = false;
    this.failures = [];
    this.opened++;
  }
}
