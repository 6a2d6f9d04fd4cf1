// Builds the explorer page into dist/web/: the TypeScript bundled by esbuild (lightweight-charts
// included, no CDN), the HTML and CSS copied. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = `${here}../dist/web`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outfile: `${out}/app.js`,
  logLevel: 'warning',
});
copyFileSync(`${here}index.html`, `${out}/index.html`);
copyFileSync(`${here}style.css`, `${out}/app.css`);
process.stdout.write(`web: dist/web/app.js ${(statSync(`${out}/app.js`).size / 1024).toFixed(0)} KiB\n`);
