// A one-output (binary) model in the inspector: the server sends 8-bit foreground probabilities,
// the page thresholds them. Over HTTP: at t = 127 (p >= 0.5) their foreground IoU over the split
// equals eval --json's up to the pixels within half a quantisation step of 0.5. In Chromium: the
// live IoU the page shows at a slider position is the IoU of those bytes at that threshold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startInspector, type Inspector } from '../../src/serve/inspector.js';
import { chromiumMissing, launchChromium } from '../browser.js';
import { cli } from '../cli/helpers.js';
import { raw, splitArrays, tinyServedRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-serve-binary-'));
let run = '';
let data = '';
let inspector: Inspector;

before(async () => {
  ({ run, data } = await tinyServedRun(dir, { loss: 'bce', epochs: 2 }, 2));
  inspector = await startInspector({ sources: [run], pollMs: 50 });
});
after(async () => {
  await inspector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (path: string): string => `${path}${path.includes('?') ? '&' : '?'}token=${inspector.token}`;

interface Sent {
  truth: Uint8Array;
  probability: Uint8Array;
}

async function sample(j: number): Promise<Sent> {
  const r = await raw(inspector.port, q(`/api/runs/0/samples/${j}`));
  assert.equal(r.status, 200, r.body.toString());
  const { meta, bytes } = splitArrays(r.body);
  assert.ok(meta.hasTruth && meta.hasProbability, 'a binary model sends truth and 8-bit probabilities');
  const n = meta.width * meta.height;
  return { truth: bytes.slice(5 * n, 6 * n), probability: bytes.slice(6 * n, 7 * n) };
}

/**
 * Foreground intersection and union of (probability byte > t) against truth 1 (other truth
 * values are ignored). Byte b = round(255 p) > t exactly when p >= (t + 0.5) / 255, so only a
 * pixel within float rounding of that threshold can be decided otherwise by eval; `near`
 * counts the pixels at bytes t and t + 1, where such a pixel would be.
 */
function counts(s: Sent, t: number): { inter: number; union: number; near: number } {
  let inter = 0, union = 0, near = 0;
  for (let i = 0; i < s.truth.length; i++) {
    if (s.truth[i]! > 1) continue;
    const p = s.probability[i]! > t, g = s.truth[i] === 1;
    if (p && g) inter++;
    if (p || g) union++;
    if (s.probability[i] === t || s.probability[i] === t + 1) near++;
  }
  return { inter, union, near };
}

test("8-bit probabilities at byte t give eval --json's foreground IoU at (t + 0.5) / 255 (0.5 for t = 127), within the pixels rounding can move", async (ctx) => {
  const info = JSON.parse((await raw(inspector.port, q('/api/info'))).body.toString());
  assert.equal(info.sources[0].binary, true);
  const all = await Promise.all(Array.from({ length: 6 }, (_, j) => sample(j)));
  // 127, and the median byte: a threshold that splits this barely trained model's pixels.
  const bytes = all.flatMap((s) => Array.from(s.probability)).sort((a, b) => a - b);
  const median = Math.min(253, bytes[bytes.length >> 1]!);
  for (const t of [127, median]) {
    const sum = all.map((s) => counts(s, t)).reduce((a, b) => ({ inter: a.inter + b.inter, union: a.union + b.union, near: a.near + b.near }));
    const threshold = (t + 0.5) / 255;
    const ev = await cli(['eval', '--checkpoint', join(run, 'checkpoints', 'best.safetensors'), '--data', data, '--format', 'folder', '--split', 'val', '--threshold', String(threshold), '--json', '-q']);
    assert.equal(ev.code, 0, ev.stderr);
    const expected = JSON.parse(ev.stdout).binary;
    assert.equal(expected.threshold, threshold);
    assert.ok(sum.union > 0, 'some foreground');
    // Up to 2 pixels decided differently at the float boundary (none expected).
    const tolerance = Math.min(sum.near, 2) / sum.union + 1e-12;
    ctx.diagnostic(`byte ${t} (threshold ${threshold.toFixed(4)}): foreground IoU from 8 bits ${(sum.inter / sum.union).toFixed(6)}, eval ${expected.foregroundIoU.toFixed(6)}; ${sum.near} of ${sum.union} union pixels at bytes ${t}/${t + 1}`);
    assert.ok(Math.abs(sum.inter / sum.union - expected.foregroundIoU) <= tolerance, `byte ${t}: 8-bit ${sum.inter / sum.union} vs eval ${expected.foregroundIoU} (tolerance ${tolerance})`);
  }
});

const missing = chromiumMissing();

test('the threshold slider: the live IoU shown is the IoU of the bytes the server sent at that threshold', { skip: missing }, async () => {
  const browser = await launchChromium();
  try {
    const page: Page = await browser.context.newPage();
    await page.goto(inspector.url);
    await page.waitForSelector('body[data-state="ready"]');
    await page.click('nav button[data-tab="predictions"]');
    await page.waitForSelector('#predictions[data-state="ready"]');
    assert.equal(await page.isVisible('#threshold'), true, 'the slider shows for a binary model');
    const j = 1;
    await page.evaluate((j) => (globalThis as any).inspector.loadSample(j), j);
    const sent = await sample(j);
    const seen = new Set<string>();
    for (const t of [20, 127, 200]) {
      await page.locator('#threshold').fill(String(t));
      const shown = await page.evaluate(() => ({ iou: (globalThis as any).inspector.liveIoU as number | null, text: (globalThis as any).document.querySelector('#sample-info').textContent as string }));
      const c = counts(sent, t);
      const expected = c.union ? c.inter / c.union : null;
      assert.equal(shown.iou, expected, `threshold byte ${t}`);
      const threshold = ((t + 0.5) / 255).toFixed(3);
      assert.ok(shown.text.includes(`foreground IoU at threshold ${threshold}: ${expected === null ? 'n/a' : (100 * expected).toFixed(1)}%`), shown.text);
      seen.add(String(expected));
    }
    assert.ok(seen.size > 1, 'the thresholds tried give different IoUs');
  } finally {
    await browser.close();
  }
});
