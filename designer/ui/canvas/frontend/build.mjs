// `npm run build`: bundle src/canvas.js into build/canvas.js (ESM, minified) and copy ELK's web
// worker next to it. build/ is what pyproject.toml declares as the component's asset_dir.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');

rmSync(out, { recursive: true, force: true }); // no stale files in the served directory
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src', 'canvas.js')],
  outfile: join(out, 'canvas.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2020'],
  loader: { '.css': 'text' }, // the stylesheet is injected into the component's shadow root
  legalComments: 'linked', // licences of bundled packages -> build/canvas.js.LEGAL.txt
  metafile: true,
  logLevel: 'warning',
});
// Loaded by src/layout.js with new Worker(...) only when a layout runs; kept out of the bundle.
copyFileSync(join(here, 'node_modules', 'elkjs', 'lib', 'elk-worker.min.js'), join(out, 'elk-worker.min.js'));

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`built build/canvas.js (${Math.round(bytes / 1024)} KB) and build/elk-worker.min.js`);
