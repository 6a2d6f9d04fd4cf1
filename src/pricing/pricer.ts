// Mark price and funding of one perpetual, advanced once per second. Pure: the index result and
// the book's mid are handed in. Mid rather than impact prices: the simulator's books are deep at
// the touch and the mid is what clients see; docs/PRICING.md has the reasoning.
import { div, emaNext, fundingRate, nextFundingTime, type Fixed } from '../domain/pricing.js';

export interface PricerTerms {
  emaSpan: number;
  fundingIntervalHours: number;
  interestRate: Fixed;
}

export interface PricerStep {
  index: Fixed | undefined;
  indexStale: boolean;
  mark: Fixed | undefined;
  /** True when the mark could not be recomputed (no fresh index) and repeats the last one. */
  markStale: boolean;
  premiumEma: Fixed | undefined;
  fundingRate: Fixed;
  premiumRateAvg: Fixed;
  samples: number;
  nextFundingTime: number;
  countdownSeconds: number;
}

export class Pricer {
  private ema: Fixed | undefined;
  private mark: Fixed | undefined;
  private samples: Fixed[] = [];
  private fundingAt: number | undefined;

  constructor(private readonly terms: PricerTerms) {}

  step(now: number, index: Fixed | undefined, mid: Fixed | undefined): PricerStep {
    const next = nextFundingTime(now, this.terms.fundingIntervalHours);
    if (this.fundingAt !== undefined && next !== this.fundingAt) this.samples = []; // a funding time passed: a new interval
    this.fundingAt = next;
    let markStale = false;
    if (index === undefined) {
      markStale = true; // keep the last mark, and say so
    } else {
      if (mid !== undefined) {
        const premium = mid - index;
        this.ema = emaNext(this.ema, premium, this.terms.emaSpan);
        this.samples.push(div(premium, index));
      }
      this.mark = index + (this.ema ?? 0n);
    }
    const avg = this.samples.length ? this.samples.reduce((a, b) => a + b, 0n) / BigInt(this.samples.length) : 0n;
    return {
      index,
      indexStale: index === undefined,
      mark: this.mark,
      markStale,
      premiumEma: this.ema,
      fundingRate: fundingRate(this.samples, this.terms.interestRate),
      premiumRateAvg: avg,
      samples: this.samples.length,
      nextFundingTime: next,
      countdownSeconds: Math.ceil((next - now) / 1000),
    };
  }
}
