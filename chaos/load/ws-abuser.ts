// The ws-abuse scenario's offenders, all at once in one window: clients that never read, oversized
// frames, subscribe floods, fuzzed frames and connection churn. Runs in its own process
// (startLoad) until stopped, its sockets open (the non-readers must be closed by the server).
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { serveLoad } from '../lib/load-process.js';
import { sleep } from '../lib/outcome.js';
import { closed, opened } from '../lib/ws-wait.js';

export interface WsAbuseArgs {
  url: string;
  symbols: string[];
  /** When to start (ms since the epoch) and how long the window lasts. */
  startAt: number;
  windowS: number;
  nonReaders: number;
  oversized: number;
  flooders: number;
  fuzzers: number;
  fuzzFrames: number;
  churnPerMin: number;
}

export interface WsAbuseReport {
  /** The window: from the first offender to the end of the last (at least windowS). */
  from: number;
  to: number;
  fuzzSent: number;
  fuzzAnswers: number;
  fuzzClosed: number;
  oversizedCodes: (number | undefined)[];
  floodCodes: (number | undefined)[];
  churned: number;
}

/** One fuzzed frame: random bytes, broken JSON, JSON of the wrong shape, or a valid op with absurd values. */
function fuzzFrame(i: number): string | Buffer {
  switch (i % 8) {
    case 0: return randomBytes(1 + (i % 300));
    case 1: return `{"op":"subscribe","channel":"book","symbol":${'['.repeat(i % 50)}`;
    case 2: return JSON.stringify({ op: 'subscribe', channel: 'kline:7m', symbol: 'BTCUSDT' });
    case 3: return JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'NOPE' + i, depth: -5 });
    case 4: return JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'BTCUSDT', seq: 'x', prec: { a: 1 } });
    case 5: return JSON.stringify({ op: 'rate', maxMsgsPerSec: -1 });
    case 6: return JSON.stringify([1, 2, 3]);
    default: return JSON.stringify({ op: 'ping', id: 'x'.repeat(i % 1000) });
  }
}

serveLoad<WsAbuseArgs, WsAbuseReport>(async (a) => {
  await sleep(Math.max(0, a.startAt - Date.now()));
  const from = Date.now();
  const end = from + a.windowS * 1000;

  // clients that never read: subscribed to every book, their socket paused at the TCP level
  for (let i = 0; i < a.nonReaders; i++) {
    const ws = new WebSocket(a.url);
    ws.on('error', () => undefined);
    ws.on('open', () => {
      for (const symbol of a.symbols) for (const channel of ['book', 'trades']) ws.send(JSON.stringify({ op: 'subscribe', channel, symbol }));
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    });
    if (i % 200 === 199) await sleep(50);
  }

  // oversized frames and floods: each offender should be closed with its code
  const offenders = async (n: number, act: (ws: WebSocket) => void) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const ws = new WebSocket(a.url);
        ws.on('error', () => undefined);
        await opened(ws);
        act(ws);
        return closed(ws);
      }),
    );
  const oversized = offenders(a.oversized, (ws) => ws.send('x'.repeat(64 * 1024)));
  const floods = offenders(a.flooders, (ws) => {
    for (let k = 0; k < 1000; k++) ws.send(JSON.stringify({ op: k % 2 ? 'unsubscribe' : 'subscribe', channel: 'book', symbol: a.symbols[k % a.symbols.length] }));
  });

  // fuzzers: under the flood limit each, so they stay connected and get an error for each bad frame
  let fuzzSent = 0;
  let fuzzAnswers = 0;
  let fuzzClosed = 0;
  const fuzz = Array.from({ length: a.fuzzers }, async () => {
    const ws = new WebSocket(a.url);
    ws.on('error', () => undefined);
    ws.on('message', () => fuzzAnswers++);
    ws.on('close', () => fuzzClosed++);
    await opened(ws);
    const perFuzzer = Math.ceil(a.fuzzFrames / a.fuzzers);
    const perTick = Math.max(1, Math.floor(perFuzzer / (a.windowS * 10)));
    for (let sent = 0; sent < perFuzzer && ws.readyState === WebSocket.OPEN; ) {
      for (let k = 0; k < perTick && sent < perFuzzer; k++, sent++, fuzzSent++) ws.send(fuzzFrame(fuzzSent));
      await sleep(100);
    }
  });

  // churn: connect, subscribe, leave
  let churned = 0;
  const churn = (async () => {
    const every = 60_000 / a.churnPerMin;
    for (let next = Date.now(); Date.now() < end; next += every) {
      await sleep(Math.max(0, next - Date.now()));
      const ws = new WebSocket(a.url);
      ws.on('error', () => undefined);
      ws.on('open', () => {
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: a.symbols[churned % a.symbols.length] }));
        setTimeout(() => ws.terminate(), 200);
      });
      churned++;
    }
  })();

  const [oversizedCodes, floodCodes] = await Promise.all([oversized, floods, ...fuzz, churn]);
  await sleep(Math.max(0, end - Date.now()));
  const to = Date.now();
  await sleep(2000); // the answers to the last fuzzed frames
  return { from, to, fuzzSent, fuzzAnswers, fuzzClosed, oversizedCodes, floodCodes, churned };
});
