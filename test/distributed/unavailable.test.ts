import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as dist from '../../src/distributed/index.js';

// PIXELWISE_NO_GLOO=1 makes pixelwise act as if the addon were built without Gloo: the same
// path (and message) as a build without libgloo-dev's headers (see DESIGN.md for that build).
test('without Gloo, every distributed entry point fails with one line saying what to install', async (t) => {
  const saved = process.env.PIXELWISE_NO_GLOO;
  process.env.PIXELWISE_NO_GLOO = '1';
  t.after(() => {
    if (saved === undefined) delete process.env.PIXELWISE_NO_GLOO;
    else process.env.PIXELWISE_NO_GLOO = saved;
  });
  assert.equal(dist.distributedAvailable(), false);
  const reason = dist.distributedUnavailableReason()!;
  assert.match(reason, /apt-get install libgloo-dev.*rebuild the addon/);
  assert.ok(!reason.includes('\n'));
  await assert.rejects(dist.init({ rank: 0, worldSize: 1 }), (e: Error) => e.message === reason);
  await assert.rejects(dist.launch({ command: [process.execPath, '-e', ''], nprocPerNode: 1 }), (e: Error) => e.message === reason);
});

// Where Gloo's headers are installed (CI installs libgloo-dev), the build must have found them.
const glooHeaders = existsSync('/usr/include/gloo/algorithm.h') && process.env.PIXELWISE_NO_GLOO !== '1';
test('with libgloo-dev installed, the addon is built with Gloo', { skip: glooHeaders ? false : 'skipped: no /usr/include/gloo (libgloo-dev)' }, () => {
  assert.equal(dist.distributedUnavailableReason(), null);
  assert.equal(dist.distributedAvailable(), true);
});
