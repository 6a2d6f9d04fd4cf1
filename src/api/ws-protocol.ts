// The WebSocket protocol's client frames, parsed and validated (pure). Every bad frame becomes a
// ProtocolError with a stable code that the server sends back in an error frame; the connection
// lives on.
import type { WsErrorCode } from '../contract/ws-frames.js';
import { isChannel, type Channel } from './channels.js';

export type ErrorCode = WsErrorCode;

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly id?: unknown,
  ) {
    super(message);
  }
}

export type ClientOp =
  | { op: 'subscribe'; channel: Channel; symbol: string; prec?: string; seq?: number; id?: unknown }
  | { op: 'unsubscribe'; channel: Channel; symbol: string; id?: unknown }
  | { op: 'config'; prec?: string; maxMsgsPerSec?: number; id?: unknown }
  | { op: 'ping'; id?: unknown };

const DECIMAL = /^(0|[1-9]\d{0,15})(\.\d{1,18})?$/;

/** A request id is echoed back; only small scalars, so a client cannot make us echo megabytes. */
function requestId(v: unknown): unknown {
  if (v === undefined) return undefined;
  if ((typeof v === 'string' && v.length <= 64) || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw new ProtocolError('bad_request', 'id must be a number or a string of at most 64 characters');
}

function prec(v: unknown, id: unknown): string {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !DECIMAL.test(s) || /^0(\.0*)?$/.test(s)) throw new ProtocolError('bad_prec', 'prec must be a positive decimal, e.g. "0.5"', id);
  return s;
}

export function parseClientFrame(text: string): ClientOp {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new ProtocolError('bad_json', 'frame is not valid JSON');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ProtocolError('bad_request', 'frame must be a JSON object');
  const m = msg as Record<string, unknown>;
  const id = requestId(m.id);
  switch (m.op) {
    case 'ping':
      return { op: 'ping', id };
    case 'config': {
      if (m.prec === undefined && m.max_msgs_per_sec === undefined) throw new ProtocolError('bad_request', 'config takes prec and/or max_msgs_per_sec', id);
      const rate = m.max_msgs_per_sec;
      if (rate !== undefined && !(Number.isSafeInteger(rate) && (rate as number) >= 1)) throw new ProtocolError('bad_request', 'max_msgs_per_sec must be a positive integer', id);
      return { op: 'config', prec: m.prec === undefined ? undefined : prec(m.prec, id), maxMsgsPerSec: rate as number | undefined, id };
    }
    case 'subscribe':
    case 'unsubscribe': {
      if (!isChannel(m.channel)) throw new ProtocolError('unknown_channel', `unknown channel ${JSON.stringify(m.channel)?.slice(0, 40)}`, id);
      if (typeof m.symbol !== 'string' || m.symbol.length === 0 || m.symbol.length > 32) throw new ProtocolError('bad_request', 'symbol must be a string of 1-32 characters', id);
      if (m.op === 'unsubscribe') return { op: 'unsubscribe', channel: m.channel, symbol: m.symbol, id };
      if (m.seq !== undefined && !(Number.isSafeInteger(m.seq) && (m.seq as number) >= 0)) throw new ProtocolError('bad_request', 'seq must be a non-negative integer', id);
      return { op: 'subscribe', channel: m.channel, symbol: m.symbol, prec: m.prec === undefined ? undefined : prec(m.prec, id), seq: m.seq as number | undefined, id };
    }
    default:
      throw new ProtocolError('bad_op', `unknown op ${JSON.stringify(m.op)?.slice(0, 40)}; expected subscribe, unsubscribe, config or ping`, id);
  }
}
