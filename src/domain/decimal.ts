// Exact conversion between decimal strings (every wire) and integer units of an increment
// (a tick size for prices, a lot size for quantities). Inside the service a price is a whole
// number of ticks and a quantity a whole number of lots: exact, and fast as plain numbers
// while they stay below 2^53. No float ever carries a price or size.

export type DecimalRejection = 'malformed' | 'negative' | 'off_increment' | 'too_large';

export class DecimalError extends Error {
  constructor(
    readonly reason: DecimalRejection,
    message: string,
  ) {
    super(message);
    this.name = 'DecimalError';
  }
}

/** Canonical non-negative decimal: no sign, no exponent, no leading zeros, optional fraction. */
const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Strings remembered per increment (cleared when full: the hot levels come back at once). Small:
 * it covers a book's top 25 levels a side with room for drift, and there are two per instrument.
 */
const FORMAT_CACHE_SIZE = 256;

const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

/**
 * A positive increment such as "0.5" or "0.001": `step` units of 10^-decimals.
 * toUnits("64123.5") with tick "0.5" is 128247; format(128247) is "64123.5".
 */
export class Increment {
  /** Integer count of 10^-decimals in one increment ("0.25" → 25). */
  readonly step: number;
  /** Digits after the point in the canonical form of any multiple of this increment. */
  readonly decimals: number;
  private readonly stepBig: bigint;
  private readonly formatted = new Map<number, string>();

  private constructor(
    readonly size: string,
    step: bigint,
    decimals: number,
  ) {
    this.stepBig = step;
    this.step = Number(step);
    this.decimals = decimals;
  }

  static parse(size: string): Increment {
    const m = DECIMAL.exec(size);
    if (!m) throw new DecimalError('malformed', `increment ${JSON.stringify(size)} is not a plain decimal`);
    const frac = (m[2] ?? '').replace(/0+$/, '');
    const step = BigInt(m[1]! + frac);
    if (step === 0n) throw new DecimalError('malformed', `increment ${JSON.stringify(size)} must be positive`);
    if (frac.length > 18) throw new DecimalError('too_large', `increment ${size} has more than 18 decimals`);
    if (step > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecimalError('too_large', `increment ${size} is too large`);
    return new Increment(size, step, frac.length);
  }

  /** Units of this increment in `value`; throws DecimalError with a reason when it is not an exact multiple. */
  toUnits(value: string): number {
    const m = typeof value === 'string' ? DECIMAL.exec(value) : null;
    if (!m) {
      if (typeof value === 'string' && value.startsWith('-') && DECIMAL.test(value.slice(1))) {
        throw new DecimalError('negative', `${value} is negative`);
      }
      throw new DecimalError('malformed', `${JSON.stringify(value)} is not a plain decimal`);
    }
    const intPart = m[1]!;
    let frac = m[2] ?? '';
    if (frac.length > this.decimals) {
      const extra = frac.slice(this.decimals);
      if (!/^0*$/.test(extra)) throw new DecimalError('off_increment', `${value} is not a multiple of ${this.size}`);
      frac = frac.slice(0, this.decimals);
    }
    const digits = intPart + frac.padEnd(this.decimals, '0');
    // Fast path: up to 15 digits is exact in a double.
    if (digits.length <= 15) {
      const scaled = Number(digits);
      if (scaled % this.step !== 0) throw new DecimalError('off_increment', `${value} is not a multiple of ${this.size}`);
      return scaled / this.step;
    }
    const scaled = BigInt(digits);
    if (scaled % this.stepBig !== 0n) throw new DecimalError('off_increment', `${value} is not a multiple of ${this.size}`);
    const units = scaled / this.stepBig;
    if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecimalError('too_large', `${value} exceeds 2^53 increments of ${this.size}`);
    return Number(units);
  }

  /** The canonical decimal string of `units` increments, with exactly `decimals` digits after the point. */
  format(units: number): string {
    // Book checksums format the same top levels again on every message: remember recent strings.
    let text = this.formatted.get(units);
    if (text === undefined) {
      text = this.formatUncached(units);
      if (this.formatted.size >= FORMAT_CACHE_SIZE) this.formatted.clear();
      this.formatted.set(units, text);
    }
    return text;
  }

  private formatUncached(units: number): string {
    if (!Number.isSafeInteger(units) || units < 0) throw new RangeError(`format: ${units} is not a non-negative safe integer`);
    const scaled = units * this.step;
    const digits = Number.isSafeInteger(scaled) ? String(scaled) : (BigInt(units) * this.stepBig).toString();
    if (this.decimals === 0) return digits;
    const padded = digits.padStart(this.decimals + 1, '0');
    return `${padded.slice(0, -this.decimals)}.${padded.slice(-this.decimals)}`;
  }

  /** Exact units of another increment that is a multiple of this one ("0.5" in ticks of "0.1" is 5), or an error. */
  unitsOf(coarser: Increment): number {
    const scaledCoarser = coarser.stepBig * POW10[this.decimals]!;
    const scaledThis = this.stepBig * POW10[coarser.decimals]!;
    if (scaledCoarser % scaledThis !== 0n) {
      throw new DecimalError('off_increment', `${coarser.size} is not a multiple of ${this.size}`);
    }
    return Number(scaledCoarser / scaledThis);
  }
}

/**
 * Exact product of `a` units of increment A and `b` units of increment B as a decimal string
 * (price × quantity = notional). BigInt: notionals leave the 2^53 range quickly.
 */
export function multiply(a: number, incA: Increment, b: number, incB: Increment): { units: bigint; decimals: number } {
  return { units: BigInt(a) * BigInt(incA.step) * BigInt(b) * BigInt(incB.step), decimals: incA.decimals + incB.decimals };
}

/** A BigInt count of 10^-decimals as a canonical decimal string with trailing zeros trimmed ("12.5", "0", "3"). */
export function formatScaled(units: bigint, decimals: number): string {
  const neg = units < 0n;
  let digits = (neg ? -units : units).toString();
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, '0');
    const whole = digits.slice(0, -decimals);
    const frac = digits.slice(-decimals).replace(/0+$/, '');
    digits = frac ? `${whole}.${frac}` : whole;
  }
  return neg ? `-${digits}` : digits;
}
