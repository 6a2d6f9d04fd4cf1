import type * as uWS from 'uWebSockets.js';
import type { Uws } from '../runtime/ws-engine.js';
import type { HealthChecker } from '../obs/health.js';
import type { Metrics } from '../obs/metrics.js';
import { respondLater, sendJson, statusLine } from './http-response.js';

export type App = uWS.TemplatedApp;

/** The one uWS app that serves HTTP (health, metrics, later REST and SSE) and the WebSocket. */
export function createApp(uws: Uws): App {
  return uws.App();
}

export function registerOpsRoutes(app: App, health: HealthChecker, metrics: Metrics): void {
  app.get('/health', (res) =>
    respondLater(res, async () => {
      const report = await health.check();
      const code = report.status === 'ok' ? 200 : 503;
      metrics.httpRequests.inc({ route: '/health', status: code });
      return { code, body: JSON.stringify(report) };
    }),
  );
  app.get('/metrics', (res) =>
    respondLater(res, async () => {
      metrics.httpRequests.inc({ route: '/metrics', status: 200 });
      return { code: 200, body: await metrics.text(), contentType: metrics.contentType };
    }),
  );
}

/**
 * Other methods on known paths (`/v1/stream/:channel/:symbol` style) get 405 with `Allow` (GET unless told),
 * whatever the method, known or not. Register after the GET routes.
 */
export function registerMethodNotAllowed(app: App, paths: readonly string[], metrics: Metrics, allow = 'GET'): void {
  for (const path of paths) {
    app.any(path, (res, req) => {
      const method = req.getCaseSensitiveMethod().slice(0, 20);
      metrics.httpRequests.inc({ route: 'method_not_allowed', status: 405 });
      res.cork(() => {
        res
          .writeStatus(statusLine(405))
          .writeHeader('allow', allow)
          .writeHeader('content-type', 'application/json')
          .end(JSON.stringify({ error: 'method_not_allowed', message: `${JSON.stringify(method)} is not allowed on ${req.getUrl().slice(0, 100)}: use ${allow}` }));
      });
    });
  }
}

/** Unknown routes get a JSON 404 rather than uWS's silence; register last. */
export function registerNotFound(app: App, metrics: Metrics): void {
  app.any('/*', (res, req) => {
    metrics.httpRequests.inc({ route: 'unknown', status: 404 });
    sendJson(res, 404, { error: 'not_found', message: `no route for ${req.getMethod().toUpperCase()} ${req.getUrl()}` });
  });
}

export interface Listening {
  port: number;
  close(): void;
}

export function listen(uws: Uws, app: App, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (token) => {
      if (!token) {
        reject(new Error(`HTTP_PORT ${port} on ${host} is not free: another process listens there`));
        return;
      }
      resolve({ port: uws.us_socket_local_port(token), close: () => uws.us_listen_socket_close(token) });
    });
  });
}
