// ccxt hands prices and sizes over as JavaScript numbers parsed from the venue's decimal strings.
// A double keeps 15 significant digits exactly, and its shortest round-trip form
// (Number#toString) is the decimal it was parsed from, so the venue's string comes back exactly;
// it is then checked against the market's tick or step, and never used as a float again.
import { Increment } from '../domain/decimal.js';

export class VenueValueError extends Error {}

/** The plain decimal string of a finite number: 1e-7 → "0.0000001", 64000.1 → "64000.1". */
export function decimalOf(n: number): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new VenueValueError(`not a finite number: ${String(n)}`);
  const s = String(n);
  const e = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!e) return s;
  const [, sign, int, frac = '', expRaw] = e;
  const exp = Number(expRaw);
  const digits = int! + frac;
  const point = int!.length + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** The exact product of two plain decimal strings ("1234.5678" × "108894.5"), trailing zeros of the fraction dropped. */
export function productOf(a: string, b: string): string {
  const x = PLAIN.exec(a);
  const y = PLAIN.exec(b);
  if (!x || !y) throw new VenueValueError(`not plain decimals: ${a} × ${b}`);
  const scale = (x[3] ?? '').length + (y[3] ?? '').length;
  const units = BigInt(x[2]! + (x[3] ?? '')) * BigInt(y[2]! + (y[3] ?? ''));
  const negative = units !== 0n && (x[1] === '-') !== (y[1] === '-');
  const digits = units.toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A decimal string an adapter computed exactly from the venue's fields, checked (it never goes through a float). */
export function plainDecimal(s: string): string {
  if (!PLAIN.test(s)) throw new VenueValueError(`not a plain decimal: ${s}`);
  return s;
}

/**
 * A market's increment from ccxt's precision: a tick size (precisionMode TICK_SIZE, e.g. 0.01)
 * or a count of decimals (DECIMAL_PLACES, e.g. 2).
 */
export function incrementOf(precision: number | undefined, tickSizeMode: boolean): Increment {
  if (precision === undefined || !(precision > 0 || (!tickSizeMode && precision === 0))) throw new VenueValueError(`no usable precision (${String(precision)})`);
  if (tickSizeMode) return Increment.parse(decimalOf(precision));
  if (!Number.isInteger(precision) || precision > 18) throw new VenueValueError(`decimal places ${precision} out of range`);
  return Increment.parse(precision === 0 ? '1' : `0.${'0'.repeat(precision - 1)}1`);
}

/** A ccxt number as whole increments; throws (VenueValueError) when it is not one, or negative. */
export function unitsOf(n: number, inc: Increment): number {
  const s = decimalOf(n);
  try {
    return inc.toUnits(s);
  } catch (err) {
    throw new VenueValueError(`${s}: ${(err as Error).message}`);
  }
}

const TICK_SIZE = 4;
const SIGNIFICANT_DIGITS = 3;

/**
 * A ccxt market's tick and lot (tick-size or decimal-places precision). A market quoted in
 * significant digits takes the venue's documented decimals instead: every price is a multiple of
 * that finer increment. Throws (VenueValueError) when the market is not listed or its precision is unusable.
 */
export function marketIncrements(
  ex: { markets?: Record<string, { precision?: { price?: number; amount?: number } }>; precisionMode?: number },
  symbol: string,
  decimals?: { price: number; amount: number },
): { tick: Increment; lot: Increment } {
  const m = ex.markets?.[symbol];
  if (!m) throw new VenueValueError(`no market ${symbol}`);
  if (ex.precisionMode === SIGNIFICANT_DIGITS) {
    if (!decimals) throw new VenueValueError(`${symbol}: precision in significant digits, and no decimals known for the venue`);
    return { tick: incrementOf(decimals.price, false), lot: incrementOf(decimals.amount, false) };
  }
  const tickMode = ex.precisionMode === TICK_SIZE;
  return { tick: incrementOf(m.precision?.price, tickMode), lot: incrementOf(m.precision?.amount, tickMode) };
}
