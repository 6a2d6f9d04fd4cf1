// Exact arithmetic on the wire's decimal strings ("64123.50"), without floats: ordering for the
// book's sides, and the sums and differences its helpers answer with.

const parts = (s: string): [neg: boolean, int: string, frac: string] => {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const int = (dot < 0 ? body : body.slice(0, dot)).replace(/^0+(?=\d)/, '');
  return [neg, int, dot < 0 ? '' : body.slice(dot + 1)];
};

/** Orders two non-negative decimal strings by value ("10" > "9.5", "1.50" = "1.5"). */
export function compareDecimal(a: string, b: string): number {
  const [, ai, af] = parts(a);
  const [, bi, bf] = parts(b);
  if (ai.length !== bi.length) return ai.length - bi.length;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const x = af.padEnd(n, '0');
  const y = bf.padEnd(n, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}

const scaled = (s: string, decimals: number): bigint => {
  const [neg, int, frac] = parts(s);
  const v = BigInt(int + frac.padEnd(decimals, '0'));
  return neg ? -v : v;
};

const decimalsOf = (s: string): number => parts(s)[2].length;

function format(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = decimals ? `.${digits.slice(-decimals)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}

/** a + b, exact, with the larger number of decimals of the two. */
export function addDecimal(a: string, b: string): string {
  const d = Math.max(decimalsOf(a), decimalsOf(b));
  return format(scaled(a, d) + scaled(b, d), d);
}

/** a − b, exact. */
export function subtractDecimal(a: string, b: string): string {
  const d = Math.max(decimalsOf(a), decimalsOf(b));
  return format(scaled(a, d) - scaled(b, d), d);
}

/** Whether a decimal string is zero ("0", "0.000"): a level of size zero is removed. */
export const isZero = (s: string): boolean => /^0*(\.0*)?$/.test(s);
