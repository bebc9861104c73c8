import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arange, memory, scalar, tensor, tidy, zeros, type DType, type Tensor } from '../../src/torch/index.js';
import {
  loadSafetensors,
  parseSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  serializeSafetensors,
} from '../../src/io/safetensors.js';
import { writeFileAtomicSync } from '../../src/io/atomic.js';
import { loadFixture } from '../helpers.js';

const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pixelwise-st-'));
}

function values(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}

function disposeAll(m: Map<string, Tensor> | Record<string, Tensor>): void {
  for (const t of m instanceof Map ? m.values() : Object.values(m)) t.dispose();
}

/** One tensor of every dtype, in odd shapes (0-d, empty, unit dims). */
function everyDtype(): Record<string, Tensor> {
  const mk = (data: number[], dtype: DType, shape?: number[]) => tensor(new Float64Array(data), { dtype, shape: shape ?? [data.length] });
  return {
    f32: mk([1.5, -2, 3.25, 1e-30, -0, 7], 'float32', [2, 3]),
    f64: scalar(Math.PI, { dtype: 'float64' }),
    f16: mk([0.5, -65504, 1 / 1024], 'float16'),
    bf16: mk([1.5, -2, 0.15625, 3.0e38], 'bfloat16', [2, 2]),
    i64: tensor(new BigInt64Array([2n ** 53n - 1n, -(2n ** 60n), 0n])),
    i32: mk([2 ** 31 - 1, -(2 ** 31)], 'int32', [1, 1, 2]),
    i16: mk([-32768, 32767, 5], 'int16'),
    i8: mk([-128, 127], 'int8'),
    u8: mk([0, 255, 17], 'uint8', [3, 1]),
    mask: mk([1, 0, 1, 1], 'bool', [2, 2]),
    empty: zeros([0, 4]),
    emptyInt: zeros([3, 0, 2], { dtype: 'int64' }),
    '': mk([9], 'float32'), // the format allows an empty name
  };
}

function assertSameTensors(got: Map<string, Tensor>, want: Record<string, Tensor>): void {
  assert.deepEqual([...got.keys()], Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) {
    const g = got.get(name)!;
    assert.equal(g.dtype, t.dtype, `${name} dtype`);
    assert.deepEqual(g.shape, t.shape, `${name} shape`);
    assert.deepEqual(values(g), values(t), `${name} values`);
  }
}

test('every dtype and odd shapes survive a buffer roundtrip, metadata too', () => {
  const tensors = everyDtype();
  const bytes = serializeSafetensors(tensors, { epoch: '3', 'ünï': '✓' });
  const back = parseSafetensors(bytes);
  assertSameTensors(back.tensors, tensors);
  assert.deepEqual(back.metadata, { epoch: '3', 'ünï': '✓' });
  disposeAll(back.tensors);
  disposeAll(tensors);
});

test('file roundtrip, Map input, metadata absent', () => {
  const dir = tempDir();
  const path = join(dir, 'model.safetensors');
  const tensors = everyDtype();
  saveSafetensors(path, new Map(Object.entries(tensors)));
  const back = loadSafetensors(path);
  assertSameTensors(back.tensors, tensors);
  assert.deepEqual(back.metadata, {});
  assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp file left behind');
  disposeAll(back.tensors);
  disposeAll(tensors);
  rmSync(dir, { recursive: true });
});

test('the layout is the reference implementation\'s byte for byte', () => {
  const a = tidy(() => arange(0, 6).float().reshape([1, 2, 3]));
  const bytes = serializeSafetensors({ 'attn.0': a });
  const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(json.length, 64); // already a multiple of 8: no padding
  const expected = Buffer.concat([u64(64), Buffer.from(json), Buffer.from(new Float32Array([0, 1, 2, 3, 4, 5]).buffer)]);
  assert.deepEqual(Buffer.from(bytes), expected);
  a.dispose();

  const meta = serializeSafetensors({}, { framework: 'pt' });
  const header = '{"__metadata__":{"framework":"pt"}}';
  assert.deepEqual(Buffer.from(meta), Buffer.concat([u64(40), Buffer.from(header + ' '.repeat(40 - header.length))]));
  assert.deepEqual(Buffer.from(serializeSafetensors({})), Buffer.concat([u64(8), Buffer.from('{}      ')]));

  // Integer-like names keep the reference order (metadata first, then data order), which a
  // JavaScript object would not: it lists '9' before '10' and both before '__metadata__'.
  const [ten, nine] = [zeros([1]), zeros([1])];
  const numbered = serializeSafetensors({ '9': nine, '10': ten }, { '2': 'b', '10': 'a' });
  const text = Buffer.from(numbered.subarray(8, 8 + Number(Buffer.from(numbered.subarray(0, 8)).readBigUInt64LE(0)))).toString().trimEnd();
  assert.equal(
    text,
    '{"__metadata__":{"10":"a","2":"b"},"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"9":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
  );
  ten.dispose();
  nine.dispose();
});

test('tensors are laid out by descending alignment then name, each aligned to its element size', () => {
  const dir = tempDir();
  const path = join(dir, 'aligned.safetensors');
  const tensors = everyDtype();
  saveSafetensors(path, tensors);
  const header = readSafetensorsHeader(path);
  assert.equal(header.dataStart % 8, 0);
  assert.deepEqual(
    header.entries.map((e) => e.name),
    ['emptyInt', 'i64', 'f64', '', 'empty', 'f32', 'i32', 'bf16', 'f16', 'i16', 'i8', 'u8', 'mask'],
  );
  for (const e of header.entries) {
    const size = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, int16: 2 }[e.dtype as string] ?? 1;
    assert.equal(e.begin % size, 0, `${e.name} aligned`);
  }
  disposeAll(tensors);
  rmSync(dir, { recursive: true });
});

test('reads the file written by the independent Python implementation', () => {
  const fx = loadFixture<{ metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; data: (number | boolean)[] }> }>(
    'safetensors',
  );
  const { tensors, metadata } = loadSafetensors(join(fixtureDir, 'safetensors-reference.safetensors'));
  assert.deepEqual(metadata, fx.metadata);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(fx.tensors).sort());
  const dtypes: Record<string, DType> = {
    F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64',
    I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
  };
  for (const [name, want] of Object.entries(fx.tensors)) {
    const t = tensors.get(name)!;
    assert.equal(t.dtype, dtypes[want.dtype], `${name} dtype`);
    assert.deepEqual(t.shape, want.shape, `${name} shape`);
    const expected = want.data.map(Number);
    const got = values(t);
    // f32/f16/bf16 arrive exactly; the JSON holds them as doubles.
    assert.deepEqual(got, want.dtype === 'F32' ? expected.map(Math.fround) : expected, `${name} values`);
  }
  disposeAll(tensors);
});

// ---- corrupt files ---------------------------------------------------------------------------

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** A file made of a header text (padded to 8 bytes) and raw data. */
function craft(header: string | object, data: Uint8Array = new Uint8Array(0)): Buffer {
  let text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  text = Buffer.concat([text, Buffer.alloc((8 - (text.length % 8)) % 8, 0x20)]);
  return Buffer.concat([u64(text.length), text, data]);
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
const good = craft({ a: f32([2], 0, 8), b: f32([1], 8, 12) }, new Uint8Array(12));

const corrupt: [string, Uint8Array, RegExp][] = [
  ['truncated data', good.subarray(0, good.length - 3), /tensor 'b' ends at data byte 12, past the end of the data section \(9 bytes; truncated file\?\)/],
  ['shorter than 8 bytes', good.subarray(0, 5), /truncated file: 5 bytes, shorter than the 8-byte header length/],
  ['truncated header', good.subarray(0, 20), /truncated file: the header needs \d+ bytes, only 12 follow/],
  ['huge header length', Buffer.concat([u64(2 ** 40), Buffer.alloc(8)]), /header length 1099511627776 is larger than/],
  ['bad JSON', craft('{"a": {"dtype": "F32",'), /the header is not valid JSON/],
  ['not an object', craft('[1, 2]'), /does not start with '\{'/],
  ['invalid UTF-8', Buffer.concat([u64(8), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x20, 0x20, 0x20, 0x20])]), /not valid UTF-8/],
  ['unknown dtype', craft({ a: { dtype: 'U16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'a' has unknown or unsupported dtype "U16"/],
  ['missing dtype', craft({ a: { shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor 'a' has unknown or unsupported dtype undefined/],
  ['bad shape', craft({ a: f32([-2] as number[], 0, 8) }, new Uint8Array(8)), /tensor 'a' has an invalid shape \[-2\]/],
  ['reversed offsets', craft({ a: f32([0], 8, 0) }, new Uint8Array(8)), /invalid data_offsets \[8,0\]/],
  ['size mismatch', craft({ a: f32([3], 0, 8) }, new Uint8Array(8)), /shape \[3\] of F32 needs 12 bytes, data_offsets \[0, 8\] span 8/],
  ['offsets out of range', craft({ a: f32([4], 0, 16) }, new Uint8Array(8)), /ends at data byte 16, past the end/],
  ['gap', craft({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)), /a gap of 4 bytes before tensor 'b'/],
  ['overlap', craft({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, new Uint8Array(8)), /tensor 'b' \(bytes 4..8\) overlaps tensor 'a'/],
  ['trailing bytes', craft({ a: f32([1], 0, 4) }, new Uint8Array(6)), /2 unexpected bytes after the last tensor's data/],
  ['duplicate names', craft('{"a":' + JSON.stringify(f32([1], 0, 4)) + ',"a":' + JSON.stringify(f32([1], 0, 4)) + '}', new Uint8Array(4)), /the header names 'a' twice/],
  ['metadata not strings', craft({ __metadata__: { epoch: 3 } }), /__metadata__ 'epoch' must be a string, got 3/],
];

test('corrupt and truncated files are rejected with the file name and the problem', () => {
  const dir = tempDir();
  const before = memory().liveTensors;
  for (const [what, bytes, pattern] of corrupt) {
    const path = join(dir, `${what.replaceAll(' ', '-')}.safetensors`);
    writeFileSync(path, bytes);
    assert.throws(() => loadSafetensors(path), (err: Error) => {
      assert.ok(err.message.startsWith(`safetensors: ${path}: `), `${what}: message names the file: ${err.message}`);
      assert.match(err.message, pattern, what);
      return true;
    });
    assert.throws(() => parseSafetensors(bytes, { source: 'mem' }), /safetensors: mem: /, what);
  }
  assert.equal(memory().liveTensors, before, 'nothing leaks from failed loads');
  // The well-formed original of most of the above loads.
  const ok = parseSafetensors(good);
  assert.deepEqual([...ok.tensors.keys()], ['a', 'b']);
  disposeAll(ok.tensors);
  rmSync(dir, { recursive: true });
});

test('saving rejects what the format cannot hold', () => {
  const t = zeros([2]);
  assert.throws(() => serializeSafetensors({ __metadata__: t }), /invalid tensor name '__metadata__'/);
  assert.throws(() => serializeSafetensors({ a: t }, { epoch: 3 as unknown as string }), /metadata 'epoch' must be a string, got number/);
  assert.throws(() => serializeSafetensors({ a: 'x' as unknown as Tensor }), /'a' is not a Tensor/);
  t.dispose();
  assert.throws(() => serializeSafetensors({ a: t }), /tensor 'a' was already disposed/);
});

// ---- atomic writes ---------------------------------------------------------------------------

test('a failed save leaves the previous file intact and no temp file', () => {
  const dir = tempDir();
  const path = join(dir, 'ckpt.safetensors');
  const t = tensor([1, 2, 3]);
  saveSafetensors(path, { w: t }, { step: '1' });
  const original = readFileSync(path);
  const dead = tensor([4]);
  dead.dispose();
  assert.throws(() => saveSafetensors(path, { w: t, z: dead }), /tensor 'z' was already disposed/);
  assert.deepEqual(readFileSync(path), original);
  assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  t.dispose();
  rmSync(dir, { recursive: true });
});

test('writeFileAtomicSync: an exception mid-write keeps the old content; success replaces it', () => {
  const dir = tempDir();
  const path = join(dir, 'log.json');
  writeFileAtomicSync(path, 'old');
  assert.throws(
    () =>
      writeFileAtomicSync(path, (write) => {
        write(Buffer.from('new, partly wri'));
        throw new Error('disk on fire');
      }),
    /disk on fire/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['log.json']);
  const fresh = join(dir, 'never.json');
  assert.throws(() => writeFileAtomicSync(fresh, () => { throw new Error('no'); }), /no/);
  assert.equal(existsSync(fresh), false);
  writeFileAtomicSync(path, (write) => {
    write(Buffer.from('new '));
    write(new Uint8Array([0x21]));
  });
  assert.equal(readFileSync(path, 'utf8'), 'new !');
  rmSync(dir, { recursive: true });
});
