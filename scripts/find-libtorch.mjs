#!/usr/bin/env node
// Locates libtorch for binding.gyp. Order: $LIBTORCH (official zip layout), the
// Debian/Ubuntu libtorch-dev package, then a pip-installed torch.
// Usage: node scripts/find-libtorch.mjs include|libdir|cflags
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function fromRoot(root, source, abi) {
  return {
    source,
    include: [join(root, 'include'), join(root, 'include/torch/csrc/api/include')],
    libdir: join(root, 'lib'),
    abi,
  };
}

function pipTorch() {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      const out = execFileSync(
        python,
        ['-c', 'import torch,os;print(os.path.dirname(torch.__file__));print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ).trim().split('\n');
      const root = out[0];
      if (existsSync(join(root, 'include/ATen/ATen.h')) && existsSync(join(root, 'lib'))) {
        return fromRoot(root, `pip torch (${root})`, out[1]);
      }
    } catch {
      // no torch for this interpreter
    }
  }
  return null;
}

function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    if (!existsSync(join(env, 'include/ATen/ATen.h'))) {
      throw new Error(`LIBTORCH=${env} does not look like a libtorch folder (expected ${env}/include/ATen/ATen.h)`);
    }
    return fromRoot(env, `LIBTORCH=${env}`, process.env.LIBTORCH_CXX11_ABI ?? '1');
  }
  if (existsSync('/usr/include/torch/csrc/api/include') && existsSync('/usr/include/ATen/ATen.h')) {
    const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
    return { source: 'system libtorch-dev', include: ['/usr/include/torch/csrc/api/include'], libdir: `/usr/lib/${arch}`, abi: '1' };
  }
  const pip = pipTorch();
  if (pip) return pip;
  throw new Error(
    'libtorch not found. Install it with `apt-get install libtorch-dev` (Debian/Ubuntu), ' +
      'or set LIBTORCH=/path/to/libtorch (official zip), or `pip install torch`.',
  );
}

try {
  const found = locate();
  const what = process.argv[2];
  if (what === 'include') console.log(found.include.join(' '));
  else if (what === 'libdir') console.log(found.libdir);
  else if (what === 'cflags') console.log(`-D_GLIBCXX_USE_CXX11_ABI=${found.abi}`);
  else console.log(JSON.stringify(found, null, 2));
} catch (err) {
  console.error(`pixelwise: ${err.message}`);
  process.exit(1);
}
