// Builds the client package: one ESM bundle with no runtime dependency (dist/index.js, for Node 20+
// and browsers) and its type declarations (dist/types). Run after gen-rest-types.mjs.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
await build({
  entryPoints: [`${here}src/index.ts`],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: ['es2020'],
  outfile: `${here}dist/index.js`,
  sourcemap: true,
  logLevel: 'warning',
});
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, '-p', `${here}tsconfig.json`], { stdio: 'inherit' });
process.stdout.write(`client: client/dist/index.js ${(statSync(`${here}dist/index.js`).size / 1024).toFixed(0)} KiB\n`);
