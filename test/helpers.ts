// Shared test utilities: fixtures written by scripts/fixtures/*.py and numeric comparison.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, Tensor, type DType } from '../src/torch/index.js';

export interface FixtureTensor {
  shape: number[];
  dtype: string;
  data: number[];
}

const fixtureDir = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

/** Reads test/fixtures/<name>.json (made by scripts/fixtures/<name>.py). */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(fixtureDir + name + '.json', 'utf8')) as T;
}

const DTYPE_ALIASES: Record<string, DType> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
  bfloat16: 'bfloat16',
};

/** A fixture tensor as a pixelwise Tensor of the same dtype and shape. */
export function fromFixture(f: FixtureTensor, options: { requiresGrad?: boolean } = {}): Tensor {
  const dtype = DTYPE_ALIASES[f.dtype];
  if (!dtype) throw new Error(`fixture dtype ${f.dtype} not supported`);
  return tensor(new Float64Array(f.data), { shape: f.shape, dtype, requiresGrad: options.requiresGrad });
}

/** Asserts same shape and |actual - expected| <= atol + rtol * |expected| everywhere. */
export function assertClose(
  actual: Tensor | ArrayLike<number>,
  expected: FixtureTensor | Tensor | ArrayLike<number>,
  options: { atol?: number; rtol?: number; message?: string } = {},
): void {
  const { atol = 1e-5, rtol = 1e-5, message = '' } = options;
  const [a, aShape] = values(actual);
  const [e, eShape] = values(expected);
  if (aShape && eShape) assert.deepEqual(aShape, eShape, `${message} shape`);
  assert.equal(a.length, e.length, `${message} element count`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i]! - e[i]!);
    const excess = diff - (atol + rtol * Math.abs(e[i]!));
    if (excess > worstExcess || Number.isNaN(a[i]!) !== Number.isNaN(e[i]!)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    assert.fail(`${message} element ${worst}: got ${a[worst]}, expected ${e[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

function values(x: Tensor | FixtureTensor | ArrayLike<number>): [number[], number[] | null] {
  if (x instanceof Tensor) {
    return [Array.from(x.data() as ArrayLike<number | bigint>, Number), x.shape];
  }
  if ('shape' in x && 'data' in x) return [x.data, x.shape];
  return [Array.from(x as ArrayLike<number>), null];
}
