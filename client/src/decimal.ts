// Exact arithmetic on the wire's decimal strings ("64123.50"), without floats: ordering for the
// book's sides, and the sums and differences its helpers answer with.

const parts = (s: string): [neg: boolean, int: string, frac: string] => {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const int = (dot < 0 ? body : body.slice(0, dot)).replace(/^0+(?=\d)/, '');
  return [neg, int, dot < 0 ? '' : body.slice(dot + 1)];
};

const ZERO = 48;
const DOT = 46;

/** Orders two non-negative decimal strings by value ("10" > "9.5", "1.50" = "1.5"); allocates nothing (it runs in every book update). */
export function compareDecimal(a: string, b: string): number {
  const dotA = a.indexOf('.');
  const dotB = b.indexOf('.');
  const endA = dotA < 0 ? a.length : dotA;
  const endB = dotB < 0 ? b.length : dotB;
  let i = 0;
  let j = 0;
  while (i < endA - 1 && a.charCodeAt(i) === ZERO) i++;
  while (j < endB - 1 && b.charCodeAt(j) === ZERO) j++;
  if (endA - i !== endB - j) return endA - i - (endB - j);
  for (; i < endA; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const fracA = dotA < 0 ? 0 : a.length - dotA - 1;
  const fracB = dotB < 0 ? 0 : b.length - dotB - 1;
  for (let k = 0, n = Math.max(fracA, fracB); k < n; k++) {
    const d = (k < fracA ? a.charCodeAt(endA + 1 + k) : ZERO) - (k < fracB ? b.charCodeAt(endB + 1 + k) : ZERO);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
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
export function isZero(s: string): boolean {
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) dots++;
    else if (c !== ZERO) return false;
  }
  return dots <= 1;
}
