// The TF-slim upsampling tutorial: upsampling as a transposed convolution whose kernel is the bilinear kernel,
// checked against scikit-image's rescale for factors 2..9, then VGG-style coarse class scores
// upsampled x32 and shown with class names.
//
//   node dist/examples/01-bilinear-upsampling.js [--out examples-out]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { data, getKernelSize, image, inspect, tensor, upsampleFilt, upsampleImage, viz } from '../src/index.js';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'examples-out' } } });
const outDir = join(args.out!, '01-bilinear-upsampling');
mkdirSync(outDir, { recursive: true });

// The tutorial's 3x3 image: x + y over an ogrid, repeated into 3 channels, divided by 6.
const imsize = 3;
const rows = (f: (x: number, y: number) => number) => Array.from({ length: imsize }, (_, x) => Array.from({ length: imsize }, (_, y) => f(x, y)));
const show = (m: number[][]) => '[' + m.map((r) => '[' + r.join(' ') + ']').join('\n ') + ']';
console.log('x, y =', show([[0], [1], [2]]), show([[0, 1, 2]]));
console.log('x + y =\n' + show(rows((x, y) => x + y)));
console.log('x * y =\n' + show(rows((x, y) => x * y)));
const img = { height: 3, width: 3, channels: 3 as const, data: Float64Array.from({ length: 27 }, (_, i) => (Math.floor(i / 9) + Math.floor(i / 3) % 3) / (imsize + imsize)) };

// Kernel size 2 * factor - factor % 2, and the bilinear kernel itself.
console.log('\nfactor -> kernel size:', Array.from({ length: 9 }, (_, i) => `${i + 1}:${getKernelSize(i + 1)}`).join(' '));
const k4 = upsampleFilt(getKernelSize(2));
console.log('upsample_filt(4) =\n' + show([0, 1, 2, 3].map((r) => Array.from(k4.subarray(4 * r, 4 * r + 4), (v) => v.toFixed(4)) as unknown as number[])));

// scikit-image's rescale(order=1, mode='constant', cval=0) recorded in the test fixture, or
// else the formula it implements: each output pixel centre maps to (o + 0.5) / f - 0.5 and
// blends its neighbours bilinearly, with zeros outside the image.
const fixturePath = fileURLToPath(new URL('../../test/fixtures/upsample.json', import.meta.url));
type Fixture = { cases: { name: string; results: { factor: number; output: { data: number[] } }[] }[] };
const fixture = existsSync(fixturePath) ? (JSON.parse(readFileSync(fixturePath, 'utf8')) as Fixture).cases.find((c) => c.name === 'tutorial 3x3x3') : undefined;
function bilinearReference(factor: number): Float64Array {
  const n = imsize * factor;
  const out = new Float64Array(n * n * 3);
  const at = (y: number, x: number, c: number) => (y < 0 || x < 0 || y >= imsize || x >= imsize ? 0 : img.data[(y * imsize + x) * 3 + c]!);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const sy = (i + 0.5) / factor - 0.5, sx = (j + 0.5) / factor - 0.5;
      const y0 = Math.floor(sy), x0 = Math.floor(sx), ty = sy - y0, tx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const v = (1 - ty) * ((1 - tx) * at(y0, x0, c) + tx * at(y0, x0 + 1, c)) + ty * ((1 - tx) * at(y0 + 1, x0, c) + tx * at(y0 + 1, x0 + 1, c));
        out[(i * n + j) * 3 + c] = Math.min(Math.max(v, 0), 4 / 6); // skimage clips to the input range
      }
    }
  }
  return out;
}
const allclose = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= 1e-8 + 1e-5 * Math.abs(b[i]!));

console.log(`\ncomparing with ${fixture ? "scikit-image's rescale (test/fixtures/upsample.json)" : 'the bilinear formula'} and the bilinear formula:`);
const panels: image.RawImage[] = [];
for (let factor = 2; factor <= 9; factor++) {
  const up = upsampleImage(img, factor);
  const reference = fixture?.results.find((r) => r.factor === factor)?.output.data;
  if ((!reference || allclose(up.data, reference)) && allclose(up.data, bilinearReference(factor))) console.log(`factor ${factor} is checked out`);
  else console.log(`factor ${factor} DIFFERS`);
  panels.push(image.resizeImage(toImage(up.data, up.width), 27 * 6, 27 * 6, 'nearest'));
}
image.writePng(join(outDir, 'input-3x3.png'), image.resizeImage(toImage(img.data, 3), 162, 162, 'nearest'));
image.writePng(join(outDir, 'upsampled-factors-2-9.png'), viz.grid(panels, { cols: 4, titles: panels.map((_, i) => `factor ${i + 2}`), title: 'upsampleImage (transposed convolution, bilinear kernel)' }));

// Coarse class scores like VGG's 7x7 map (three smooth blobs), upsampled x32 as the tutorial does
// with the network's logits, then argmax per pixel, shown with class names.
const names = ['sky', 'building', 'road'];
const centres = [[1, 1], [5, 2], [3, 6]];
const scores = tensor(Float32Array.from({ length: 3 * 49 }, (_, i) => {
  const [c, y, x] = [Math.floor(i / 49), Math.floor(i / 7) % 7, i % 7];
  return -Math.hypot(y - centres[c]![0]!, x - centres[c]![1]!);
}), { shape: [1, 3, 7, 7] });
const coarse = inspect.coarseLabels(scores, names);
const fine = inspect.upsampledLabels(scores, 32);
scores.dispose();
image.writePng(join(outDir, 'coarse-7x7.png'), viz.discreteMatshow({ width: 7, height: 7, data: coarse.labels }, { names, title: 'Segmentation (7x7)' }));
image.writePng(join(outDir, 'upsampled-x32.png'), viz.discreteMatshow(fine, { names, title: 'Segmentation (upsampled x32)' }));
console.log(`\ncoarse scores 3x7x7 -> argmax of the x32 bilinear upsampling: ${fine.width}x${fine.height}`);
console.log(`wrote ${outDir}/input-3x3.png, upsampled-factors-2-9.png, coarse-7x7.png, upsampled-x32.png`);

/** Values in 0..1 (channel-last RGB) as an 8-bit image. */
function toImage(values: ArrayLike<number>, side: number): image.RawImage {
  return { width: side, height: side, channels: 3, data: Uint8Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)) };
}
