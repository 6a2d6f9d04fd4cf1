// Serves the venue stand-ins on the exchanges' HTTP server: REST under /<venue>/..., WebSockets
// upgraded on any path under /<venue>/, and a control API for tests:
//   POST /_venues/<venue>/fault?kind=stall|close|refuse|gap|bad_checksum|duplicate|reorder|garbage|none
//   GET  /_venues/<venue>/book?symbol=BTC/USDT&depth=25   the stand-in's own book (decimal strings)
//   GET  /_venues/<venue>/stats                            frames sent, connections, fault
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { formatUnits } from './venue-model.js';
import { VENUE_FAULTS, type Connection, type VenueFault, type VenueStandIn } from './stand-in.js';
import { createVenueStandIns } from './index.js';

export class VenueServer {
  readonly venues = new Map<string, VenueStandIn>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;

  /** @param stepsPerTick market steps (each one update per subscription) every `stepMs`: raised for the benchmark. */
  constructor(stepMs = 100, venues: VenueStandIn[] = createVenueStandIns(), stepsPerTick = 1) {
    for (const v of venues) this.venues.set(v.id, v);
    this.timer = setInterval(() => {
      const now = Date.now();
      for (let i = 0; i < stepsPerTick; i++) for (const v of this.venues.values()) v.tick(now);
    }, stepMs);
    // WebSocket pings every 20 s, as the venues do (ccxt answers them)
    this.pinger = setInterval(() => {
      for (const v of this.venues.values()) for (const c of v.connections) c.socket.ping();
    }, 20_000);
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const [, id] = (req.url ?? '/').split('/');
      const venue = this.venues.get(id ?? '');
      if (!venue || venue.fault === 'refuse') {
        socket.end(`HTTP/1.1 ${venue ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const conn: Connection = { socket: ws, path: req.url ?? '/', subs: [] };
        venue.connections.add(conn);
        ws.on('message', (data) => venue.onMessage(conn, String(data)));
        ws.on('close', () => venue.connections.delete(conn));
        ws.on('error', () => undefined);
        venue.greet(conn);
      });
    });
  }

  /** REST of a venue, or its control API; false when the path is neither. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const parts = url.pathname.split('/');
    if (parts[1] === '_venues') return this.control(req, res, parts[2] ?? '', parts[3] ?? '', url.searchParams);
    const venue = this.venues.get(parts[1] ?? '');
    if (!venue) return false;
    if (venue.fault === 'refuse') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return true;
    }
    const answer = venue.http(`/${parts.slice(2).join('/')}`, url.searchParams);
    if (!answer) return false;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return true;
  }

  private control(req: IncomingMessage, res: ServerResponse, id: string, what: string, q: URLSearchParams): boolean {
    const json = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const venue = this.venues.get(id);
    if (!venue) return json(404, { error: `no venue ${id}; have ${[...this.venues.keys()].join(', ')}` }), true;
    if (what === 'fault' && req.method === 'POST') {
      const kind = q.get('kind') as VenueFault;
      if (!VENUE_FAULTS.includes(kind)) return json(400, { error: `kind must be one of ${VENUE_FAULTS.join(', ')}` }), true;
      venue.setFault(kind);
      return json(200, { venue: id, fault: venue.fault }), true;
    }
    if (what === 'book') {
      const m = venue.model(q.get('symbol') ?? '');
      if (!m) return json(404, { error: 'unknown symbol' }), true;
      const depth = Number(q.get('depth') ?? 1000);
      const side = (s: 'bid' | 'ask') => m.levels(s, depth).map(([p, z]) => [formatUnits(p, m.spec.tickSize), formatUnits(z, m.spec.lotSize)]);
      return json(200, { symbol: m.spec.symbol, update_id: m.updateId, bids: side('bid'), asks: side('ask') }), true;
    }
    if (what === 'stats') return json(200, { venue: id, fault: venue.fault, sent: venue.sent, connections: venue.connections.size }), true;
    return json(404, { error: 'unknown control' }), true;
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.pinger);
    for (const v of this.venues.values()) for (const c of v.connections) c.socket.terminate();
    this.wss.close();
  }
}
