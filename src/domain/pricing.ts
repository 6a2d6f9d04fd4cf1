// Index, mark and funding formulas on exact fixed-point decimals (BigInt × 10^-18). Pure.
//
//   index   = Σ wᵢ·pᵢ / Σ wᵢ over fresh sources that are not outliers (weights renormalised)
//   premium = mid − index,   EMA over 1 s samples with α = 2/(N+1)
//   mark    = index + EMA(premium)
//   premium_rate = premium / index per sample, averaged over the funding interval so far
//   funding = clamp(avg premium_rate + interest_rate, −0.75 %, +0.75 %)
//
// Divisions truncate toward zero at 18 decimals; results are rounded half-even to the
// instrument's tick only when they are formatted.

export const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

/** A decimal as BigInt units of 10^-18. */
export type Fixed = bigint;

const FIXED_RE = /^(-)?(0|[1-9]\d*)(?:\.(\d{1,18}))?$/;

export function toFixed(s: string): Fixed {
  const m = FIXED_RE.exec(s);
  if (!m) throw new Error(`${JSON.stringify(s)} is not a decimal with at most 18 decimals`);
  const v = BigInt(m[2]!) * ONE + BigInt((m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] ? -v : v;
}

export const fromUnits = (units: number | bigint, decimals: number): Fixed => BigInt(units) * 10n ** BigInt(SCALE - decimals);

/** Rounds half-even to `decimals` and formats canonically with exactly that many decimals. */
export function formatFixed(v: Fixed, decimals: number): string {
  const neg = v < 0n;
  let a = neg ? -v : v;
  const drop = 10n ** BigInt(SCALE - decimals);
  let q = a / drop;
  const r = a % drop;
  if (r * 2n > drop || (r * 2n === drop && q % 2n === 1n)) q += 1n;
  a = q;
  let digits = a.toString();
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, '0');
    digits = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  }
  return neg && a !== 0n ? `-${digits}` : digits;
}

export const mul = (a: Fixed, b: Fixed): Fixed => (a * b) / ONE;
export const div = (a: Fixed, b: Fixed): Fixed => (a * ONE) / b;
const abs = (a: Fixed): Fixed => (a < 0n ? -a : a);

export interface SourceQuote {
  source: string;
  price: Fixed;
  weight: Fixed;
  /** Engine-independent wall-clock time of the quote, ms. */
  receivedAt: number;
}

export type Exclusion = 'stale' | 'outlier' | 'invalid';

export interface IndexResult {
  /** Undefined when no source is usable: the index is stale. */
  price: Fixed | undefined;
  used: string[];
  excluded: { source: string; reason: Exclusion }[];
}

function median(xs: Fixed[]): Fixed {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2n;
}

/**
 * Weighted average of the fresh, sane quotes. A quote older than `staleMs` is excluded; with
 * three or more fresh quotes, one further than `maxDeviation` (a fraction) from the median of
 * the others is excluded as an outlier.
 */
export function indexPrice(quotes: readonly SourceQuote[], now: number, staleMs: number, maxDeviation: Fixed): IndexResult {
  const excluded: IndexResult['excluded'] = [];
  const fresh: SourceQuote[] = [];
  for (const q of quotes) {
    if (q.price <= 0n || q.weight <= 0n) excluded.push({ source: q.source, reason: 'invalid' });
    else if (now - q.receivedAt > staleMs) excluded.push({ source: q.source, reason: 'stale' });
    else fresh.push(q);
  }
  const kept = fresh.filter((q) => {
    if (fresh.length < 3) return true;
    const others = median(fresh.filter((o) => o !== q).map((o) => o.price));
    const far = div(abs(q.price - others), others) > maxDeviation;
    if (far) excluded.push({ source: q.source, reason: 'outlier' });
    return !far;
  });
  if (kept.length === 0) return { price: undefined, used: [], excluded };
  let num = 0n;
  let den = 0n;
  for (const q of kept) {
    num += q.price * q.weight;
    den += q.weight;
  }
  return { price: num / den, used: kept.map((q) => q.source), excluded };
}

/** EMA with α = 2/(span+1), exactly: ema' = (ema·(span−1) + 2·x) / (span+1). The first sample seeds it. */
export function emaNext(prev: Fixed | undefined, sample: Fixed, span: number): Fixed {
  if (prev === undefined) return sample;
  const n = BigInt(span);
  return (prev * (n - 1n) + 2n * sample) / (n + 1n);
}

export const FUNDING_CAP: Fixed = toFixed('0.0075');

export const clamp = (v: Fixed, lo: Fixed, hi: Fixed): Fixed => (v < lo ? lo : v > hi ? hi : v);

/** clamp(average premium rate + interest rate, −cap, +cap). */
export function fundingRate(premiumRates: readonly Fixed[], interestRate: Fixed, cap: Fixed = FUNDING_CAP): Fixed {
  const avg = premiumRates.length ? premiumRates.reduce((a, b) => a + b, 0n) / BigInt(premiumRates.length) : 0n;
  return clamp(avg + interestRate, -cap, cap);
}

/** The next funding time strictly after `now` on a UTC grid of `intervalHours`. */
export function nextFundingTime(now: number, intervalHours: number): number {
  const step = intervalHours * 3_600_000;
  return (Math.floor(now / step) + 1) * step;
}
