import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawImage } from '../../src/image/types.js';
import { thresholdView } from '../../src/viz/threshold.js';
import { foregroundIoU } from '../../src/metrics/binary.js';
import { sampleColormap } from '../../src/viz/colormap.js';

test('foreground IoU of maps: intersection over union of the foregrounds, NaN when both are empty', () => {
  // One definition for viewers and metrics (metrics/binary.ts); these were maskIoU's cases.
  const truth = { width: 4, height: 1, data: [1, 1, 0, 0] };
  assert.equal(foregroundIoU({ width: 4, height: 1, data: [0.9, 0.2, 0.8, 0.1] }, truth), 1 / 3);
  assert.equal(foregroundIoU({ width: 4, height: 1, data: [0.9, 0.2, 0.8, 0.1] }, truth, 0.1), 2 / 3);
  // The documented convention: nothing to find and nothing found is undefined (NaN), not 1.
  assert.ok(Number.isNaN(foregroundIoU({ width: 1, height: 1, data: [0] }, { width: 1, height: 1, data: [0] })));
  // The threshold cuts the prediction only: at 1 nothing is predicted, and the mask's foreground still counts.
  assert.equal(foregroundIoU({ width: 4, height: 1, data: [1, 1, 0, 0] }, truth, 1), 0);
  assert.throws(() => foregroundIoU({ width: 2, height: 1, data: [0, 0] }, truth), /probabilities are 1x2 but targets are 1x4 \(HxW\)/);
});

test('thresholdView shows more foreground at a lower threshold', () => {
  const n = 20;
  const image: RawImage = { width: n, height: n, channels: 1, data: new Uint8Array(n * n).fill(128) };
  const truth = { width: n, height: n, data: new Uint8Array(n * n) };
  const probs = { width: n, height: n, data: new Float32Array(n * n) };
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    truth.data[y * n + x] = y >= 10 ? 1 : 0;
    probs.data[y * n + x] = y / n;
  }
  const yellow = sampleColormap('viridis', 1);
  const count = (img: RawImage) => {
    let k = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      if (img.data[3 * i] === yellow[0] && img.data[3 * i + 1] === yellow[1] && img.data[3 * i + 2] === yellow[2]) k++;
    }
    return k;
  };
  const low = thresholdView(image, truth, probs, { threshold: 0.2 });
  const high = thresholdView(image, truth, probs, { threshold: 0.7 });
  assert.equal(low.width, high.width);
  assert.ok(count(low) > count(high));
  assert.throws(() => thresholdView(image, truth, probs, { threshold: 1.5 }), /threshold 1.5 must be between 0 and 1/);
});
