import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTicks, formatValue, linearTicks, logTicks, niceStep } from '../../src/viz/ticks.js';

test('nice steps are 1, 2, 2.5 or 5 times a power of ten', () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.0139, 6), 0.0025);
  assert.equal(niceStep(1e7, 5), 2e6);
  assert.equal(niceStep(0, 5), 1);
});

test('linear ticks fall inside the range on multiples of the step, without float noise', () => {
  assert.deepEqual(linearTicks(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(-4.3, 6.1, 6).ticks, [-4, -2, 0, 2, 4, 6]);
  assert.deepEqual(linearTicks(0.1, 0.35, 5).ticks, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  assert.throws(() => linearTicks(2, 1), /min <= max/);
});

test('labels share decimals; very large and small values use short exponents', () => {
  assert.deepEqual(formatTicks([0, 0.2, 0.4], 0.2), ['0.0', '0.2', '0.4']);
  assert.deepEqual(formatTicks([0.03, 0.0325], 0.0025), ['0.0300', '0.0325']);
  assert.deepEqual(formatTicks([0, 2e6, 4e6], 2e6), ['0', '2e6', '4e6']);
  assert.deepEqual(formatTicks([1e-7, 1.5e-7], 5e-8), ['1e-7', '1.5e-7']);
  assert.deepEqual(formatTicks([-0, 1], 1), ['0', '1']);
  assert.equal(formatValue(0.81234), '0.8123');
  assert.equal(formatValue(NaN), 'NaN');
});

test('log ticks: 1-2-5 within few decades, powers of ten over many', () => {
  assert.deepEqual(logTicks(0.02, 3), [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  assert.deepEqual(logTicks(1e-5, 10), [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10]);
  assert.throws(() => logTicks(0, 1), /must be positive/);
});
