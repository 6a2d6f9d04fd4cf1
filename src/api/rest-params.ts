// Query parameters of the REST API, validated: a bad one is an HttpError (400) naming it.
import type { RestErrorCode } from '../contract/rest-errors.js';
import { INTERVAL_NAMES, type Interval } from '../domain/candle.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: RestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class Params {
  constructor(private readonly q: URLSearchParams) {}

  static of(query: string): Params {
    return new Params(new URLSearchParams(query));
  }

  /** Absent is undefined; present but empty is refused (`?symbol=` is not "every symbol"). */
  optional(name: string): string | undefined {
    const v = this.q.get(name);
    if (v === '') throw new HttpError(400, 'bad_parameter', `${name} must not be empty`);
    return v ?? undefined;
  }

  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined) throw new HttpError(400, 'missing_parameter', `${name} is required`);
    return v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.optional(name);
    if (v === undefined) return fallback;
    if (!/^-?\d{1,16}$/.test(v) || Number(v) < min || Number(v) > max) throw new HttpError(400, 'bad_parameter', `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v.slice(0, 40))}`);
    return Number(v);
  }

  interval(name: string): Interval {
    const v = this.required(name);
    if (!(INTERVAL_NAMES as string[]).includes(v)) throw new HttpError(400, 'bad_parameter', `${name} must be one of ${INTERVAL_NAMES.join(', ')}`);
    return v as Interval;
  }
}
