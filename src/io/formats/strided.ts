// Gathers a strided view (PyTorch's non-contiguous tensors, Fortran-order arrays) into C order.

/**
 * Copies the elements of a view (shape, strides and offset in elements) of `storage` into a
 * new C-order buffer. Element size is all that matters, so every dtype goes through here.
 */
export function gatherStrided(storage: Uint8Array, itemSize: number, shape: readonly number[], strides: readonly number[], offset: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n * itemSize);
  if (n === 0) return out;
  if (storage.byteOffset % 4 !== 0) storage = new Uint8Array(storage);
  // Copy 8-byte elements as two 32-bit words: float64 copies could canonicalise NaN payloads.
  const words = itemSize === 8 ? 2 : 1;
  const View = itemSize === 1 ? Uint8Array : itemSize === 2 ? Uint16Array : Uint32Array;
  const src = new View(storage.buffer as ArrayBuffer, storage.byteOffset, Math.floor(storage.byteLength / (itemSize / words)));
  const dst = new View(out.buffer);
  const dims = shape.length;
  const index = new Array<number>(dims).fill(0);
  let from = offset;
  for (let i = 0; i < n; i++) {
    if (words === 1) dst[i] = src[from]!;
    else {
      dst[2 * i] = src[2 * from]!;
      dst[2 * i + 1] = src[2 * from + 1]!;
    }
    for (let d = dims - 1; d >= 0; d--) {
      index[d]!++;
      from += strides[d]!;
      if (index[d]! < shape[d]!) break;
      from -= index[d]! * strides[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** True when (shape, strides) is the C-contiguous layout (size-1 dimensions may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** The lowest and one-past-highest element a view touches (for reading only that range). */
export function viewExtent(shape: readonly number[], strides: readonly number[], offset: number): [number, number] {
  if (shape.some((s) => s === 0)) return [offset, offset];
  let lo = offset;
  let hi = offset;
  for (let d = 0; d < shape.length; d++) {
    const span = (shape[d]! - 1) * strides[d]!;
    if (span < 0) lo += span;
    else hi += span;
  }
  return [lo, hi + 1];
}

/** C-order strides of a shape, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}
