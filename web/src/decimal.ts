// Decimal strings as the API sends them, compared and stepped exactly (BigInt on a common scale).
// The page never does arithmetic on prices or sizes as floats; numbers appear only for drawing.

/** Digits after the point. */
export const decimalsOf = (s: string): number => {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
};

/** The value × 10^scale as a BigInt (scale ≥ the string's own decimals). */
export function scaled(s: string, scale: number): bigint {
  const neg = s.startsWith('-');
  const [int = '0', frac = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return neg ? -v : v;
}

export const isZero = (s: string): boolean => /^-?0*(\.0*)?$/.test(s);

/** `step` × k, written with `step`'s decimals: the grouping options offered for a tick size. */
export function multiple(step: string, k: number): string {
  const d = decimalsOf(step);
  const v = (scaled(step, d) * BigInt(k)).toString().padStart(d + 1, '0');
  return d === 0 ? v : `${v.slice(0, -d)}.${v.slice(-d)}`;
}

/** Sum of decimal strings, exact. */
export function sum(values: readonly string[]): string {
  const d = Math.max(0, ...values.map(decimalsOf));
  const total = values.reduce((acc, v) => acc + scaled(v, d), 0n);
  const digits = (total < 0n ? -total : total).toString().padStart(d + 1, '0');
  const abs = d === 0 ? digits : `${digits.slice(0, -d)}.${digits.slice(-d)}`;
  return total < 0n ? `-${abs}` : abs;
}
