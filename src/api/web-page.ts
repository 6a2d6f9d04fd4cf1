// Serves the live explorer (built into dist/web/ by `npm run build`) at `/`: three files read once
// at start and kept in memory, gzipped once for clients that accept it.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { repoPath } from '../paths.js';
import type { App } from './http-server.js';
import { sendJson, statusLine } from './http-response.js';

export const WEB_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export function registerWebPage(app: App): void {
  const dir = repoPath('dist/web');
  for (const [route, { file, type }] of Object.entries(WEB_FILES)) {
    const path = `${dir}/${file}`;
    if (!existsSync(path)) {
      app.get(route, (res) => sendJson(res, 404, { error: 'not_built', message: 'the web page is not built: npm run build' }));
      continue;
    }
    const body = readFileSync(path);
    const gzipped = gzipSync(body, { level: 9 });
    app.get(route, (res, req) => {
      const gzip = /\bgzip\b/.test(req.getHeader('accept-encoding'));
      res.cork(() => {
        res.writeStatus(statusLine(200)).writeHeader('content-type', type).writeHeader('cache-control', 'no-cache');
        if (gzip) res.writeHeader('content-encoding', 'gzip');
        res.writeHeader('vary', 'accept-encoding').end(gzip ? gzipped : body);
      });
    });
  }
}
