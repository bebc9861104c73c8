// The HDF5 direct path: contiguous, unfiltered datasets are read from the file at the offset
// their Data Layout message gives, everything else through h5wasm. The offsets must be h5py's
// own (recorded by scripts/fixtures/weights_keras.py) and the bytes there h5wasm's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWeights } from '../../../src/io/formats/index.js';
import { contiguousOffset, readSuperblock, referenceAddress } from '../../../src/io/formats/hdf5-layout.js';
import { fileSource } from '../../../src/io/formats/source.js';
import { weightsDir } from './fixtures.js';

const h5 = async () => {
  const m = await import('h5wasm/node');
  await m.ready;
  return m;
};

/** Every dataset below `group`, by path. */
function datasets(lib: Awaited<ReturnType<typeof h5>>, group: InstanceType<typeof lib.Group>, prefix = ''): Map<string, InstanceType<typeof lib.Dataset>> {
  const out = new Map<string, InstanceType<typeof lib.Dataset>>();
  for (const key of group.keys()) {
    const item = group.get(key);
    if (item instanceof lib.Dataset) out.set(`${prefix}${key}`, item);
    else if (item instanceof lib.Group) for (const [k, v] of datasets(lib, item, `${prefix}${key}/`)) out.set(k, v);
  }
  return out;
}

function offsetsOf(lib: Awaited<ReturnType<typeof h5>>, path: string): Map<string, { offset: number | null; value: Uint8Array }> {
  const file = new lib.File(path, 'r');
  const source = fileSource(path);
  try {
    const superblock = readSuperblock(source);
    assert.ok(superblock, `${path}: superblock read`);
    const out = new Map<string, { offset: number | null; value: Uint8Array }>();
    for (const [name, ds] of datasets(lib, file)) {
      const v = ds.value as unknown as ArrayBufferView;
      const value = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const address = referenceAddress(ds.create_reference().ref_data);
      assert.notEqual(address, null, `${name}: an object address`);
      const offset = contiguousOffset(source, superblock!, address!, value.byteLength);
      const bytes = offset === null ? value : source.read(offset, value.byteLength);
      out.set(name, { offset, value: new Uint8Array(bytes) });
      if (offset !== null) assert.deepEqual(new Uint8Array(bytes), value, `${path} ${name}: the bytes at ${offset} are h5wasm's values`);
    }
    return out;
  } finally {
    source.close();
    file.close();
  }
}

test("HDF5 offsets of contiguous datasets are h5py's; a chunked, compressed dataset has none (version 2 object headers)", async () => {
  const lib = await h5();
  const path = join(weightsDir, 'keras_layouts.h5');
  const expected = JSON.parse(readFileSync(`${path}.expected.json`, 'utf8')) as { hdf5Offsets: Record<string, number | null> };
  const found = offsetsOf(lib, path);
  assert.deepEqual(Object.fromEntries([...found].map(([k, v]) => [k, v.offset])), expected.hdf5Offsets);
  assert.ok(Object.values(expected.hdf5Offsets).includes(null), 'the fixture has a chunked dataset');
});

test('every dataset of the version-1-header Keras fixtures is found contiguous, with the values h5wasm reads', async () => {
  const lib = await h5();
  for (const name of ['keras1_weights.h5', 'keras2_weights.h5', 'keras_model.h5']) {
    const found = offsetsOf(lib, join(weightsDir, name));
    assert.ok(found.size >= 4, `${name}: datasets listed`);
    for (const [ds, { offset }] of found) assert.notEqual(offset, null, `${name} ${ds}: contiguous`);
  }
});

test('readKeras reads contiguous datasets from the file directly and a chunked one through h5wasm', async () => {
  const w = await openWeights(join(weightsDir, 'keras_layouts.h5'));
  try {
    // The h5wasm path selects rows (hyperslabs): whole rows, strided rows; the direct path reads any element range.
    const chunked = w.tensors.get('fc1/fc1/kernel:0')!;
    assert.ok(chunked.readRowsStrided, 'chunked: h5wasm hyperslabs');
    assert.equal(chunked.rangeAlign, 5);
    const direct = w.tensors.get('block1_conv1/block1_conv1/kernel:0')!;
    assert.equal(direct.readRowsStrided, undefined, 'contiguous: read from the file');
    assert.equal(direct.rangeAlign, 1);
    assert.deepEqual(Array.from(direct.readRange!(7, 5) as Float32Array), Array.from((direct.read() as Float32Array).subarray(7, 12)));
  } finally {
    w.close();
  }
});
