#!/usr/bin/env node
// Tells binding.gyp whether Gloo's headers are there (Debian: libgloo-dev), so the addon gets
// distributed training (-DUSE_C10D_GLOO) or builds without it. PIXELWISE_NO_GLOO=1 forces the
// build without. Usage: node scripts/find-gloo.mjs defines
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function includeDirs() {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'find-libtorch.mjs');
  try {
    const out = execFileSync(process.execPath, [script, 'include'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

function glooFound() {
  if (process.env.PIXELWISE_NO_GLOO === '1') return false;
  const dirs = ['/usr/include', '/usr/local/include', ...includeDirs()];
  // Both halves: gloo's own headers and the c10d header that wraps them (guarded by the define).
  const gloo = dirs.some((d) => existsSync(join(d, 'gloo/algorithm.h')));
  const c10d = dirs.some((d) => existsSync(join(d, 'torch/csrc/distributed/c10d/ProcessGroupGloo.hpp')));
  return gloo && c10d;
}

if (process.argv[2] === 'defines') {
  console.log(glooFound() ? 'USE_C10D_GLOO' : 'PIXELWISE_WITHOUT_GLOO');
} else {
  console.log(JSON.stringify({ gloo: glooFound() }));
}
