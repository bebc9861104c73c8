// The Latent view in Debian's Chromium on a tiny autoencoder run (MNIST-like digits): the scatter
// has one point per image of the split, each in its label's colour at its code; hovering a point
// shows that image; clicking the plane decodes the point under the cursor and shows the decoder's
// image for it. Skips, saying why, where no Chromium runs. PIXELWISE_SCREENSHOTS=DIR keeps
// latent.png (the README's: PIXELWISE_LATENT_RUN=RUN PIXELWISE_LATENT_DATA=MNIST_DIR serve a real run).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadCheckpointModel } from '../../src/checkpoint/load-model.js';
import { asLatent2d, decodePoint } from '../../src/inspect/latent.js';
import { startInspector, type Inspector } from '../../src/serve/inspector.js';
import { chromiumMissing, launchChromium } from '../browser.js';
import { trainTinyRun } from '../cli/helpers.js';
import { makeMnist } from '../data/make-datasets.js';

const missing = chromiumMissing();
const dir = mkdtempSync(join(tmpdir(), 'pixelwise-serve-latent-browser-'));
const shots = process.env.PIXELWISE_SCREENSHOTS;
let run = '';
let inspector: Inspector;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

before(async () => {
  if (missing) return;
  let mnist = process.env.PIXELWISE_LATENT_DATA ?? '';
  run = process.env.PIXELWISE_LATENT_RUN ?? '';
  if (!run) {
    mnist = join(dir, 'mnist');
    makeMnist(mnist, { train: 12, test: 40 });
    run = await trainTinyRun(join(dir, 'cae'), { data: { format: 'mnist', root: mnist, split: 'train' }, model: 'cae', modelOptions: { baseWidth: 4 }, valSplit: null });
  }
  inspector = await startInspector({ sources: [run], data: { format: 'mnist', root: mnist, split: 'test' } });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});
after(async () => {
  await browser?.close();
  await inspector?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('latent: one point per image at its code in its label\'s colour; hover shows the image; a click on the plane shows the decoder\'s image there', { skip: missing }, async () => {
  await page.goto(inspector.url);
  await page.waitForSelector('body[data-state="ready"]');
  assert.equal(await page.isVisible('nav button[data-tab="latent"]'), true, 'the Latent tab shows for a cae');
  await page.click('nav button[data-tab="latent"]');
  await page.waitForSelector('#latent[data-state="ready"]', { timeout: 60_000 });
  const drawn = await page.evaluate(() => {
    const { document, inspector: w } = globalThis as any;
    const l = w.latent;
    const dots = Array.from(document.querySelectorAll('#latent-plot circle.pt') as any[]);
    const swatches = new Map(Array.from(document.querySelectorAll('#latent-plot .chart-legend g') as any[]).map((g) => [Number(g.dataset.label), g.querySelector('circle').getAttribute('fill')]));
    // Each dot's screen centre mapped back through the plot's plane coordinates.
    const back = dots.map((d) => {
      const b = d.getBoundingClientRect();
      return l.plot.toPlane(b.left + b.width / 2, b.top + b.height / 2);
    });
    return {
      count: l.count,
      indices: dots.map((d) => Number(d.dataset.index)),
      colorsOk: dots.every((d) => d.getAttribute('fill') === swatches.get(l.labels[Number(d.dataset.index)])),
      span: Math.max(...l.points) - Math.min(...l.points),
      err: Math.max(...back.map((p: number[], i: number) => Math.max(Math.abs(p[0] - l.points[2 * i]), Math.abs(p[1] - l.points[2 * i + 1])))),
    };
  });
  const n = Number(process.env.PIXELWISE_LATENT_RUN ? drawn.count : 40);
  assert.equal(drawn.count, n);
  assert.deepEqual(drawn.indices, Array.from({ length: n }, (_, i) => i), 'one circle per image');
  assert.ok(drawn.colorsOk, "every point has its label's legend colour");
  assert.ok(drawn.err < drawn.span / 200 + 1e-6, `points drawn at their codes (off by ${drawn.err} of ${drawn.span})`);

  // Hover the point of image 3: its pixels show.
  await page.hover('#latent-plot circle.pt[data-index="3"]', { force: true });
  await page.waitForFunction(() => (globalThis as any).inspector.latentHover === 3);
  const thumb = await page.evaluate(async () => {
    const { document } = globalThis as any;
    const c = document.querySelector('#latent-thumb');
    const px = Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data as number[]).filter((_, i) => i % 4 === 0);
    const r = await fetch(`api/runs/0/latent/images/3`);
    const all = new Uint8Array(await r.arrayBuffer());
    const bytes = Array.from(all.subarray(all.indexOf(10) + 1)).filter((_, i) => i % 4 === 0);
    return { px, bytes, text: document.querySelector('#latent-hover').textContent };
  });
  assert.deepEqual(thumb.px, thumb.bytes);
  assert.match(thumb.text, /^image 3 · /);

  // Click a point of the plane a quarter in from the plot's top-left corner.
  const frame = (await page.locator('#latent-plot rect.plane').boundingBox())!;
  await page.mouse.click(frame.x + frame.width * 0.25, frame.y + frame.height * 0.25);
  await page.waitForSelector('#latent[data-decoded="ready"]');
  const decoded = await page.evaluate(() => {
    const { document, inspector: w } = globalThis as any;
    const c = document.querySelector('#latent-decoded');
    return { z: w.latentDecoded.z as [number, number], px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data as number[]).filter((_, i) => i % 4 === 0), size: [c.width, c.height] };
  });
  // The page's z is the plane point under the cursor (to the screen pixel the click lands on).
  const [cx, cy] = [frame.x + frame.width * 0.25, frame.y + frame.height * 0.25];
  const [z, z1] = await page.evaluate(([x, y]) => [(globalThis as any).inspector.latent.plot.toPlane(x, y), (globalThis as any).inspector.latent.plot.toPlane(x + 1, y + 1)], [cx, cy]);
  const pixel = Math.abs(z1[0] - z[0]);
  assert.ok(Math.abs(decoded.z[0] - z[0]) <= pixel && Math.abs(decoded.z[1] - z[1]) <= pixel, `decoded at ${decoded.z}, clicked ${z} (a pixel is ${pixel})`);
  // The checkpoint the inspector serves: best, else last.
  const best = join(run, 'checkpoints', 'best.safetensors');
  const { model, config } = loadCheckpointModel(existsSync(best) ? best : join(run, 'checkpoints', 'last.safetensors'));
  try {
    const expected = decodePoint(asLatent2d(model, run), decoded.z, config.preprocess);
    assert.deepEqual(decoded.size, [expected.width, expected.height]);
    assert.deepEqual(decoded.px, Array.from(expected.data), "the decoded image is the decoder's output at that point");
  } finally {
    model.dispose();
  }
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.hover('#latent-plot circle.pt[data-index="0"]', { force: true });
    await page.waitForFunction(() => (globalThis as any).inspector.latentHover === 0);
    await page.screenshot({ path: join(shots, 'latent.png'), fullPage: true });
  }
});
