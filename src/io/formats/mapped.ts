// A tensor's values viewed in place in its file: libtorch's from_file maps the file (mmap,
// private and never written, so the page cache's pages themselves), and a copy out of that view
// is the only pass over the bytes — no read into JS memory, no second copy into a libtorch
// tensor. The mapping lives as long as the tensors viewing it: dispose them to unmap (memory
// stays bounded when callers map and dispose one block at a time).
import { statSync } from 'node:fs';
import { op, type Tensor } from '../../torch/index.js';
import { dtypeCode } from '../../torch/dtype.js';
import type { FileSpan } from './source.js';
import { fail, type WeightDType } from './types.js';

/** The `bytes` bytes at `span` as a 1-d uint8 tensor viewing the mapped file. */
export function mapBytes(span: FileSpan, bytes: number): Tensor {
  const end = span.offset + bytes;
  const fileSize = statSync(span.path).size;
  if (end > fileSize) fail(span.path, `truncated file: needs bytes ${span.offset}..${end}, the file has ${fileSize}`);
  const file = op('aten::from_file', [span.path, false, end], { dtype: dtypeCode('uint8') });
  try {
    return file.narrow(0, span.offset, bytes);
  } finally {
    file.dispose();
  }
}

/**
 * Bytes (uint8, last dimension contiguous, a multiple of the item size) as `dtype` values: a
 * view where the file placed them aligned to the item size, else a copy first (fresh memory,
 * aligned; the block is small).
 */
export function bytesAs(bytes: Tensor, dtype: WeightDType, aligned: boolean): Tensor {
  if (aligned) return op('aten::view.dtype', [bytes, dtypeCode(dtype)]);
  const copy = bytes.clone();
  try {
    return op('aten::view.dtype', [copy, dtypeCode(dtype)]);
  } finally {
    copy.dispose();
  }
}
