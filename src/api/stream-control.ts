// The venue stream control API: GET /v1/streams[/{id}] (open, like all reads), POST /v1/streams,
// PATCH and DELETE /v1/streams/{id} (Authorization: Bearer $ADMIN_TOKEN: 401 without or with a
// wrong one; 403 when the instance has no token, so control is off unless deliberately turned on).
import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Metrics } from '../obs/metrics.js';
import { parseKnobs, parseStreamSpec, SpecError } from '../venues/stream-spec.js';
import { StreamExistsError, type VenueStreams } from '../venues/venue-streams.js';
import { respondLater, type Reply } from './http-response.js';
import { BodyError, readJsonBody } from './request-body.js';
import { HttpError } from './rest-params.js';

const MAX_BODY = 16 * 1024;

function authorized(header: string, token: string | undefined): void {
  if (!header) throw new HttpError(401, 'unauthorized', 'stream control needs Authorization: Bearer <ADMIN_TOKEN>');
  if (!token) throw new HttpError(403, 'control_disabled', 'stream control is off on this instance (no ADMIN_TOKEN set)');
  const m = /^Bearer (.+)$/.exec(header);
  const given = Buffer.from(m?.[1] ?? '');
  const want = Buffer.from(token);
  if (!m || given.length !== want.length || !timingSafeEqual(given, want)) throw new HttpError(401, 'unauthorized', 'stream control needs Authorization: Bearer <ADMIN_TOKEN>');
}

export function registerStreamControl(app: TemplatedApp, streams: VenueStreams, adminToken: string | undefined, metrics: Metrics): void {
  const handle = (route: string, method: string, withBody: boolean, fn: (params: { id: string; body: unknown }) => Promise<Reply> | Reply) =>
    (res: HttpResponse, req: HttpRequest) => {
      // everything from req is read before the first await (uWS frees it)
      const auth = req.getHeader('authorization');
      const id = decodeURIComponent(req.getParameter(0) ?? '');
      const body = withBody ? readJsonBody(res, MAX_BODY) : Promise.resolve(undefined);
      body.catch(() => undefined);
      respondLater(res, async () => {
        let reply: Reply;
        try {
          if (method !== 'GET') authorized(auth, adminToken);
          reply = await fn({ id, body: await body.catch((err: Error) => Promise.reject(new HttpError(400, 'bad_body', err.message))) });
        } catch (err) {
          const e = err instanceof SpecError || err instanceof BodyError ? new HttpError(400, 'bad_body', err.message) : err instanceof StreamExistsError ? new HttpError(409, 'stream_exists', err.message) : err;
          if (!(e instanceof HttpError)) throw e;
          reply = { code: e.status, body: JSON.stringify({ error: e.code, message: e.message }) };
        }
        metrics.httpRequests.inc({ route, status: reply.code });
        return reply;
      });
    };
  const unknown = (id: string) => new HttpError(404, 'unknown_stream', `no stream ${JSON.stringify(id.slice(0, 80))}`);
  const ok = (code: number, value: unknown): Reply => ({ code, body: JSON.stringify(value) });

  app.get('/v1/streams', handle('/v1/streams', 'GET', false, () => ok(200, { streams: streams.list().map((s) => s.describe()) })));
  app.post('/v1/streams', handle('/v1/streams', 'POST', true, async ({ body }) => ok(201, (await streams.add(parseStreamSpec(body))).describe())));
  app.get('/v1/streams/:id', handle('/v1/streams/{id}', 'GET', false, ({ id }) => ok(200, (streams.get(id) ?? (() => { throw unknown(id); })()).describe())));
  app.patch('/v1/streams/:id', handle('/v1/streams/{id}', 'PATCH', true, async ({ id, body }) => {
    const s = streams.get(id);
    if (!s) throw unknown(id);
    return ok(200, (await streams.patch(id, parseKnobs(body, s.spec)))!.describe());
  }));
  app.del('/v1/streams/:id', handle('/v1/streams/{id}', 'DELETE', false, async ({ id }) => {
    if (!(await streams.remove(id))) throw unknown(id);
    return { code: 204, body: '' };
  }));
}
