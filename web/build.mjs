// Builds the browser side into assets/web/ (shipped in the package; `pixelwise export --web`
// copies it next to model.onnx): the page (index.html), its script bundled by esbuild (app.js;
// the overlay component inside), and onnxruntime-web's wasm build — the ESM loader, its
// threaded worker script and the .wasm — from the onnxruntime-web package pinned to the version
// of onnxruntime-node. And the inspector `pixelwise serve` serves, into assets/inspector/
// (inspector.html as index.html, inspector.js with the same overlay component). Run by `npm run build:web` (part of `npm run build`, `npm ci`'s prepare).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'assets', 'web');
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web')); // its require entry: dist/ort.min.js
const ortVersion = JSON.parse(readFileSync(join(ortDist, '..', 'package.json'), 'utf8')).version;
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['onnxruntime-node'];
if (ortVersion !== pinned) throw new Error(`onnxruntime-web ${ortVersion} differs from onnxruntime-node ${pinned}; pin both to one version`);

/** One page: its entry bundled (minified ES module) as `script` in a fresh `dir`, beside its HTML as index.html. */
async function page(dir, entry, script, html, external = []) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [join(root, 'web', ...entry)],
    outfile: join(dir, script),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'web', html), join(dir, 'index.html'));
}

await page(out, ['src', 'app.ts'], 'app.js', 'index.html', ['./ort.wasm.min.mjs']);
const inspector = join(root, 'assets', 'inspector');
await page(inspector, ['src', 'inspector', 'main.ts'], 'inspector.js', 'inspector.html');
// The wasm execution provider only: the loader, the threaded worker/glue script, the binary.
for (const file of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) copyFileSync(join(ortDist, file), join(out, file));
writeFileSync(join(out, 'VERSION.json'), JSON.stringify({ onnxruntimeWeb: ortVersion }) + '\n');
// stderr: `npm pack --json` runs prepare and its stdout must stay JSON.
console.error(`web: wrote ${out} (onnxruntime-web ${ortVersion})`);
