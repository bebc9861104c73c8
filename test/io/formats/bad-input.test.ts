// Bad input: truncated files, files of another format, pickles asking for code, corrupt
// checksums. Each fails with one line naming the file and what was expected; nothing is
// written and no code from the file runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectWeightFormat, openWeights } from '../../../src/io/formats/index.js';
import { weightsDir } from './fixtures.js';

const fixture = (name: string) => join(weightsDir, name);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pixelwise-weights-'));
}

/** Opens and reads every tensor; returns the error it fails with. */
async function failure(path: string): Promise<Error> {
  try {
    const w = await openWeights(path);
    try {
      for (const t of w.tensors.values()) t.read();
    } finally {
      w.close();
    }
  } catch (err) {
    return err as Error;
  }
  return assert.fail(`${path} was read without an error`);
}

function assertOneLine(err: Error, path: string, pattern: RegExp): void {
  assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
  assert.ok(err.message.includes(path), `names the file: ${err.message}`);
  assert.match(err.message, pattern);
}

const truncatable = [
  'torch_zip.pth',
  'torch_legacy.pth',
  'keras1_weights.h5',
  'caffe_v2.caffemodel',
  'caffe_v1.caffemodel',
  'tf_v1.ckpt',
  'plain.npy',
  'tfvgg_py2.npy',
  'arrays.npz',
  'model.safetensors',
];

for (const [name, keep] of truncatable.flatMap((n) => [[n, 0.6], [n, -9]] as const)) {
  test(`${name} cut to ${keep > 0 ? `${keep * 100}%` : `${-keep} bytes short`} is a one-line error`, async () => {
    const dir = tempDir();
    try {
      const bytes = readFileSync(fixture(name));
      // Keep the start, so detection still sees the format's magic. (A .caffemodel cut exactly
      // between two layers is a valid shorter net: protocol buffers have no end marker.)
      const path = join(dir, name);
      writeFileSync(path, bytes.subarray(0, keep > 0 ? Math.floor(bytes.length * keep) : bytes.length + keep));
      const before = readdirSync(dir);
      const err = await failure(path);
      assertOneLine(err, path, /truncated|corrupt|not a|no .*index|unknown weight file format|cannot open|end of central directory|missing/i);
      assert.deepEqual(readdirSync(dir), before, 'nothing written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a missing TensorFlow data shard is named', async () => {
  const dir = tempDir();
  try {
    copyFileSync(fixture('tf_v2.index'), join(dir, 'tf_v2.index'));
    copyFileSync(fixture('tf_v2.data-00000-of-00002'), join(dir, 'tf_v2.data-00000-of-00002'));
    const err = await failure(join(dir, 'tf_v2'));
    assertOneLine(err, join(dir, 'tf_v2.index'), /data shard tf_v2\.data-00001-of-00002 is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt TensorFlow data shard fails its crc32c', async () => {
  const dir = tempDir();
  try {
    for (const f of readdirSync(weightsDir).filter((f) => f.startsWith('tf_v2.') && !f.endsWith('.json'))) copyFileSync(fixture(f), join(dir, f));
    const data = join(dir, 'tf_v2.data-00000-of-00002');
    const bytes = readFileSync(data);
    bytes[3]! ^= 0x40;
    writeFileSync(data, bytes);
    const err = await failure(join(dir, 'tf_v2.index'));
    assertOneLine(err, data, /crc32c mismatch in tensor/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt TensorFlow tensor read in ranges, in any order, fails its crc32c once they cover it', async () => {
  const dir = tempDir();
  try {
    for (const f of readdirSync(weightsDir).filter((f) => f.startsWith('tf_v2.') && !f.endsWith('.json'))) copyFileSync(fixture(f), join(dir, f));
    const w = await openWeights(join(dir, 'tf_v2.index'));
    const name = [...w.tensors.values()].find((t) => t.readRange && t.shape.reduce((a, b) => a * b, 1) >= 4)!.name;
    w.close();
    // Intact: the ranges read backwards give the values and no error.
    const readBackwards = async () => {
      const f = await openWeights(join(dir, 'tf_v2.index'));
      try {
        const t = f.tensors.get(name)!;
        const n = t.shape.reduce((a, b) => a * b, 1);
        const parts: number[][] = [];
        for (let end = n; end > 0; end -= 3) parts.unshift(Array.from(t.readRange!(Math.max(0, end - 3), end - Math.max(0, end - 3)) as Float32Array));
        return { values: parts.flat(), whole: Array.from(t.read() as Float32Array) };
      } finally {
        f.close();
      }
    };
    const intact = await readBackwards();
    assert.deepEqual(intact.values, intact.whole);
    const fresh = await openWeights(join(dir, 'tf_v2.index'));
    assert.equal(typeof fresh.tensors.get(name)!.fileSpan?.offset, 'number', 'an intact tensor gives its place');
    fresh.close();
    // Every data byte changed (in both shards): the range that completes the tensor throws.
    for (const shard of ['tf_v2.data-00000-of-00002', 'tf_v2.data-00001-of-00002']) {
      const bytes = readFileSync(join(dir, shard));
      for (let i = 0; i < bytes.length; i++) bytes[i]! ^= 0x01;
      writeFileSync(join(dir, shard), bytes);
    }
    const err = await readBackwards().then(
      () => assert.fail('read without an error'),
      (e: Error) => e,
    );
    assert.ok(!err.message.includes('\n'), err.message);
    assert.match(err.message, /tf_v2\.data-0000[01]-of-00002: crc32c mismatch in tensor/);
    // Mapped in place (a layout conversion asks where the values lie): checked before the place is given.
    const f = await openWeights(join(dir, 'tf_v2.index'));
    try {
      assert.throws(() => f.tensors.get(name)!.fileSpan, (e: Error) => !e.message.includes('\n') && /tf_v2\.data-0000[01]-of-00002: crc32c mismatch in tensor/.test(e.message));
    } finally {
      f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt table block fails its crc32c', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'vgg_16.ckpt');
    const bytes = readFileSync(fixture('tf_v1.ckpt'));
    bytes[40]! ^= 0x01;
    writeFileSync(path, bytes);
    assertOneLine(await failure(path), path, /crc32c mismatch in the block/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files of other formats name what was expected', async () => {
  const dir = tempDir();
  try {
    const cases: [string, Uint8Array | string][] = [
      ['image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])],
      ['config.json', '{"model": "fcn8s"}\n'],
      ['empty.pth', ''],
    ];
    for (const [name, content] of cases) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const err = await failure(path);
      assertOneLine(err, path, /expected a PyTorch \.pth\/\.pt .* a Keras \.h5, a Caffe \.caffemodel, a TensorFlow checkpoint/);
    }
    const zip = join(dir, 'other.zip');
    copyFileSync(fixture('arrays.npz'), zip);
    assert.equal(await detectWeightFormat(zip), 'npz', 'content, not extension, decides');
    assert.equal(await detectWeightFormat(fixture('tfvgg_py2.npy')), 'npy-pickle');
    assert.equal(await detectWeightFormat(fixture('tf_v2.data-00001-of-00002')), 'tf-bundle', 'a data shard names its checkpoint');
    assert.equal(await detectWeightFormat(join(weightsDir, 'tf_v2')), 'tf-bundle', 'so does the prefix');
    const missing = join(dir, 'nothing.pth');
    assertOneLine(await failure(missing), missing, /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const marker = '/tmp/pixelwise-pickle-was-executed';
for (const [name, global] of [
  ['evil_torch.pth', 'posix.system'],
  ['evil_torch_legacy.pth', 'posix.system'],
  ['evil.npy', 'builtins.eval'],
] as const) {
  test(`${name}: a pickle asking for ${global} is refused, nothing runs`, async () => {
    rmSync(marker, { force: true });
    rmSync('/tmp/pixelwise-eval', { force: true });
    const path = fixture(name);
    const err = await failure(path);
    assertOneLine(err, path, new RegExp(`asks for the Python global ${global.replace('.', '\\.')}, which is not allowed .*nothing was executed`));
    assert.ok(!existsSync(marker) && !existsSync('/tmp/pixelwise-eval'), 'no side effect');
  });
}

test('format detection reads content: a .pth that is really an .npy', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'weights.pth');
    copyFileSync(fixture('plain.npy'), path);
    const w = await openWeights(path);
    assert.equal(w.format, 'npy');
    assert.deepEqual([...w.tensors.get('weights')!.shape], [2, 3, 4]);
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
