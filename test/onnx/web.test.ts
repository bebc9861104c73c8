// The --web export in Debian's Chromium: the page served by serveStatic loads an exported U-Net
// (the pipeline form) in onnxruntime-web's wasm execution provider, segments a PNG set on its
// file input, and the label map it exposes equals pixelwise's (libtorch, predict --scale native).
// The overlay component: at opacity 0 the picture exactly, a hidden class shows the picture
// under exactly its pixels. Skips, saying why, where no Chromium runs. PIXELWISE_SCREENSHOTS=DIR
// keeps the page's screenshot there.
import test from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/png.js';
import { readImage } from '../../src/image/files.js';
import { loadPredictor } from '../../src/infer/predictor.js';
import { predict } from '../../src/infer/predict.js';
import { sourceFromCheckpoint } from '../../src/onnx/export-model.js';
import { writeWebExport } from '../../src/onnx/web.js';
import { serveStatic } from '../../src/serve/static.js';
import { chromiumMissing, launchChromium } from '../browser.js';
import { tempDir, testImage, writeTinyCheckpoint, type TinyModelSpec } from '../infer/make-checkpoints.js';

// What the page code below touches (functions passed to page.evaluate run in the page, so each
// names globalThis itself), typed for this Node-side file; the page's own types live in web/.
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface PageGlobal {
  crossOriginIsolated: boolean;
  pixelwise: { threads: number; result: { width: number; height: number; labels: Uint8Array; ms: number; classesPresent: number[] } | null };
  document: { querySelector<T>(selector: string): T };
  Event: new (type: string) => unknown;
}

// Depth 3: inputs must be multiples of 8, so the 70x45 image is padded in the graph (reflect) and cropped back.
const UNET3: TinyModelSpec = { name: 'unet', options: { numClasses: 4, baseWidth: 4, depth: 3 }, names: ['background', 'disc', 'bar', 'edge'], preprocess: { normalize: 'imagenet' } };

test('web export in Chromium: the page segments a dropped PNG and its label map equals pixelwise predict --scale native', { skip: chromiumMissing() }, async (t) => {
  const dir = tempDir(t, 'onnx-web');
  const ckpt = writeTinyCheckpoint(join(dir, 'unet.safetensors'), UNET3, 4);
  const src = sourceFromCheckpoint(ckpt);
  const web = join(dir, 'web');
  const written = writeWebExport(src, web);
  src.model.dispose();
  assert.deepEqual(readdirSync(web).sort(), ['app.js', 'index.html', 'model.onnx', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs']);
  assert.equal(written.files.length, 6);
  const png = join(dir, 'shapes.png');
  writeFileSync(png, encodePng(testImage(70, 45)));
  const predictor = loadPredictor(ckpt);
  const expected = predict(predictor, await readImage(png), { scale: 'native' });
  predictor.dispose();
  assert.ok(expected.classesPresent.length >= 3, `a varied prediction to compare (${expected.classesPresent})`);

  const server = await serveStatic(web);
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', `${await page.textContent('#status')} ${errors.join('; ')}`);
  const isolated = await page.evaluate(() => ({ isolated: (globalThis as unknown as PageGlobal).crossOriginIsolated, threads: (globalThis as unknown as PageGlobal).pixelwise.threads }));
  assert.equal(isolated.isolated, true, 'COOP/COEP make the page cross-origin isolated (wasm threads)');

  await page.setInputFiles('#file', png);
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'done', `${await page.textContent('#status')} ${errors.join('; ')}`);
  const result = await page.evaluate(() => {
    const r = (globalThis as unknown as PageGlobal).pixelwise.result!;
    return { width: r.width, height: r.height, labels: Array.from(r.labels), ms: r.ms, classesPresent: r.classesPresent };
  });
  assert.deepEqual([result.width, result.height], [70, 45]);
  let same = 0;
  for (let i = 0; i < result.labels.length; i++) if (result.labels[i] === expected.labels[i]) same++;
  t.diagnostic(`Chromium (wasm, ${isolated.threads} threads): ${same}/${result.labels.length} pixels equal pixelwise's, ${result.ms.toFixed(1)} ms for onnxruntime-web's run; classes ${result.classesPresent}`);
  assert.deepEqual(result.labels, Array.from(expected.labels), 'the page labels every pixel as pixelwise does');
  const legend = await page.$$eval('.pw-overlay-legend li', (items) => items.map((li) => li.textContent));
  assert.deepEqual(legend.map((s) => s!.replace(/[\d.]+%$/, '')), expected.classesPresent.map((c) => UNET3.names[c]), 'the legend names the classes present');

  const shots = process.env.PIXELWISE_SCREENSHOTS;
  const shot = join(dir, 'onnx-web.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (shots) {
    mkdirSync(shots, { recursive: true });
    copyFileSync(shot, join(shots, 'test-unet-shapes.png'));
  }
  assert.ok(existsSync(shot));

  // The overlay component: opacity 0 shows the picture exactly; hiding a class uncovers exactly its pixels.
  const pixels = (): Promise<number[]> =>
    page.evaluate(() => {
      const c = (globalThis as unknown as PageGlobal).document.querySelector<PageCanvas>('.pw-overlay canvas');
      return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
    });
  const setOpacity = (v: number): Promise<void> =>
    page.evaluate((value) => {
      const s = (globalThis as unknown as PageGlobal).document.querySelector<{ value: string; dispatchEvent(e: unknown): void }>('.pw-overlay-slider input');
      s.value = String(value);
      s.dispatchEvent(new ((globalThis as unknown as PageGlobal).Event)('input'));
    }, v);
  const blended = await pixels();
  await setOpacity(0);
  const picture = await pixels();
  const source = await readImage(png);
  const rgba = picture.filter((_, i) => i % 4 !== 3);
  assert.deepEqual(rgba, Array.from(source.data), 'at opacity 0 the canvas holds the image');
  await setOpacity(60);
  assert.deepEqual(await pixels(), blended);
  const hide = expected.classesPresent[1]!;
  await page.click(`.pw-overlay-legend li[data-class="${hide}"]`);
  const hidden = await pixels();
  for (let i = 0; i < expected.labels.length; i++) {
    const px = [0, 1, 2].map((c) => hidden[4 * i + c]);
    const want = expected.labels[i] === hide ? [0, 1, 2].map((c) => picture[4 * i + c]) : [0, 1, 2].map((c) => blended[4 * i + c]);
    if (px.join() !== want.join()) assert.fail(`pixel ${i} (class ${expected.labels[i]}) is ${px}, expected ${want} after hiding class ${hide}`);
  }
  assert.equal(await page.getAttribute(`.pw-overlay-legend li[data-class="${hide}"]`, 'class'), 'pw-hidden');
  assert.deepEqual(errors, []);
});
