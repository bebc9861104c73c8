// The package as a user gets it: `npm pack`, installed from the tarball into an empty project
// (npm compiles the addon against the machine's libtorch and fetches sharp from the registry —
// minutes, hence the opt-in slow suite: `npm run test:slow`, run by .ci/run after `npm test`),
// then the installed CLI and library used from there. A file the package needs at run time but
// `files` in package.json leaves out fails here, not on a user's machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createModel } from '../../src/models/registry.js';
import { saveCheckpoint } from '../../src/checkpoint/file.js';
import { writePng } from '../../src/image/files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string, timeoutMinutes = 2): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMinutes * 60_000,
      env: { ...process.env, JOBS: '2', OMP_NUM_THREADS: '1', npm_config_fund: 'false', npm_config_audit: 'false' },
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

test('npm pack, install the tarball, run `pixelwise demo --help` and a one-image predict from the installed package', { timeout: 30 * 60_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pixelwise-package-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  // Pack what `files` lists (prepare builds the TypeScript first).
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root, 5)) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]!.filename);
  const paths = packed[0]!.files.map((f) => f.path);
  // src/onnx/onnx.proto is a run-time data file (read by src/onnx/proto.ts), not a source.
  const web = ['assets/web/index.html', 'assets/web/app.js', 'assets/web/ort.wasm.min.mjs', 'assets/web/ort-wasm-simd-threaded.mjs', 'assets/web/ort-wasm-simd-threaded.wasm'];
  for (const needed of ['dist/src/index.js', 'dist/src/cli/main.js', 'assets/imagenet-classes.json', 'src/onnx/onnx.proto', ...web, 'binding.gyp', 'scripts/find-libtorch.mjs', 'scripts/find-gloo.mjs', 'native/dispatch.cc']) {
    assert.ok(paths.includes(needed), `the tarball lacks ${needed}`);
  }
  assert.ok(!paths.some((p) => p.startsWith('test/') || p.startsWith('dist/test/') || p.startsWith('web/') || (p.startsWith('src/') && p.endsWith('.ts'))), 'tests and TypeScript sources stay out');

  // Install it into an empty project: the addon compiles, dependencies come from the registry.
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-pixelwise', version: '1.0.0', private: true, type: 'module' }));
  run(npm, ['install', '--no-save', tarball], project, 25);
  assert.ok(existsSync(join(project, 'node_modules', 'pixelwise', 'build', 'Release')), 'the addon was built at install');

  // The CLI from the installed package.
  const help = run(npm, ['exec', '--', 'pixelwise', 'demo', '--help'], project);
  assert.match(help, /pixelwise demo/);

  // A one-image prediction with a checkpoint written by this build.
  const model = createModel('unet', { numClasses: 3, depth: 2, baseWidth: 4 });
  const checkpoint = join(work, 'tiny.safetensors');
  saveCheckpoint(checkpoint, {
    config: { model: { name: 'unet', options: { ...model.config } }, classes: { names: ['a', 'b', 'c'], ignoreIndex: null }, preprocess: { normalize: 'unit' } },
    weights: model.stateDict(),
  });
  model.dispose();
  const image = join(work, 'scene.png');
  writePng(image, { width: 30, height: 22, channels: 3, data: Uint8Array.from({ length: 30 * 22 * 3 }, (_, i) => (i * 37) % 256) });
  const out = join(work, 'predictions');
  run(npm, ['exec', '--', 'pixelwise', 'predict', '--checkpoint', checkpoint, image, '--out', out], project);
  assert.ok(readdirSync(out).includes('scene.labels.png'), `predict wrote ${readdirSync(out).join(', ')}`);

  // The figures' font comes from the installed dejavu-fonts-ttf dependency (not from this
  // checkout) and resvg measures text with it.
  const fontModule = pathToFileURL(join(project, 'node_modules', 'pixelwise', 'dist', 'src', 'viz', 'font.js')).href;
  const fontScript = `import { existsSync } from 'node:fs'; const f = await import(${JSON.stringify(fontModule)}); ` +
    "console.log(JSON.stringify({ files: f.FONT_FILES.map((p) => [p, existsSync(p)]), width: f.measureText('Hello').width }));";
  const font = JSON.parse(run(process.execPath, ['--input-type=module', '-e', fontScript], project)) as { files: [string, boolean][]; width: number };
  const fontDir = join(realpathSync(project), 'node_modules', 'dejavu-fonts-ttf');
  assert.equal(font.files.length, 2);
  for (const [file, exists] of font.files) {
    assert.ok(exists && realpathSync(file).startsWith(fontDir), `font file ${file} is not an existing file under ${fontDir}`);
  }
  assert.ok(font.width > 10 && font.width < 60, `measureText('Hello') is ${font.width} pixels wide at 9-pixel type`);

  // ONNX from the installed package: the web page from its assets; the onnx engine without the
  // optional onnxruntime-node says in one line what to install.
  run(npm, ['exec', '--', 'pixelwise', 'export', '--checkpoint', checkpoint, '--web', join(work, 'web')], project);
  assert.deepEqual(readdirSync(join(work, 'web')).sort(), ['app.js', 'index.html', 'model.onnx', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs']);
  const noOrt = spawnSync(npm, ['exec', '--', 'pixelwise', 'predict', '--engine', 'onnx', '--checkpoint', join(work, 'web', 'model.onnx'), image, '--out', join(work, 'onnx-out')], { cwd: project, encoding: 'utf8' });
  assert.equal(noOrt.status, 1, noOrt.stderr);
  assert.match(noOrt.stderr, /pixelwise predict: error: the onnx engine needs onnxruntime-node, an optional peer dependency of pixelwise; install it with 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1\.31\.1'/);

  // The library from the installed package, with its data files.
  const script = "import * as pw from 'pixelwise'; console.log(pw.image.imagenetClasses().length, pw.MODEL_NAMES.join(','));";
  assert.equal(run(process.execPath, ['--input-type=module', '-e', script], project).trim(), '1000 vgg16,vgg19,fcn32s,fcn16s,fcn8s,unet,cae');
});
