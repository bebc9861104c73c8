import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/torch/index.js';

test('smoke', () => {
  assert.deepEqual(tensor([1, 2]).add(1).toArray(), [2, 3]);
});
