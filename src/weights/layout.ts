// Layout conversions: whether a file's tensor fits a zoo parameter, and how its values get into
// the parameter. PyTorch and Caffe layouts are the zoo's own (a torchvision Linear (out, c*h*w)
// is a 7x7 convolution's weight as it is): the values stream straight in (readInto). TF layouts
// — kernels (kh, kw, in, out), Keras / tensorflow-vgg Dense kernels (h*w*c, out) flattened
// channels-last — are the parameter (out, in, kh*kw) transposed to (kh*kw, in, out): read in
// blocks of a few input channels over every position (one reused buffer, filled by partial
// reads where the format has them) and copied by libtorch through a permuted view, so memory
// stays near the block size and the writes into the parameter run in order instead of jumping
// by kh*kw for every value. Formats without partial reads read small tensors whole.
import { noGrad, tensor, type Tensor } from '../torch/index.js';
import { bytesAs, mapBytes, type WeightData, type WeightTensor } from '../io/formats/index.js';
import type { Role } from './layers.js';
import type { TargetLayer } from './targets.js';

export interface CopyPlan {
  /** For the report: 'as stored', 'HWIO -> OIHW', ... */
  conversion: string;
  /** Copies the file tensor's values into the parameter. */
  copy(param: Tensor, source: WeightTensor): void;
}

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The shapes a file tensor may be read as: as stored, and without the padding dimensions of
 * Caffe's legacy 4-d blobs (an InnerProduct weight (1, 1, out, in), a bias (1, 1, 1, out)).
 */
export function plainShapes(shape: readonly number[], role: Role): number[][] {
  if (role !== 'weight') return [[shape.reduce((a, b) => a * b, 1)]];
  if (shape.length === 4 && shape[0] === 1 && shape[1] === 1) return [[...shape], shape.slice(2)];
  return [[...shape]];
}

/**
 * How a file tensor of `shape` (layout 'torch' or 'tf') fills the `role` of `target`, or null
 * when it does not fit (the report lists it as mismatched).
 */
export function planCopy(target: TargetLayer, role: Role, shape: readonly number[], layout: 'torch' | 'tf', paramShape: readonly number[]): CopyPlan | null {
  for (const s of plainShapes(shape, role)) {
    const plan = planShape(target, role, s, layout, paramShape);
    if (plan) return plan;
  }
  return null;
}

const asStored = (conversion = 'as stored'): CopyPlan => ({ conversion, copy: (param, source) => source.readInto(param) });

function planShape(target: TargetLayer, role: Role, s: number[], layout: 'torch' | 'tf', paramShape: readonly number[]): CopyPlan | null {
  if (role !== 'weight') return s[0] === paramShape.reduce((a, b) => a * b, 1) ? asStored() : null;
  const [a, b, kh, kw] = target.kernel;
  // Both PyTorch and Caffe store deconvolutions as (in, out, kh, kw); TF's transposed kernels do not occur here.
  if (target.kind === 'transposed') return layout === 'torch' && same(s, [a, b, kh, kw]) ? asStored() : null;
  const [out, inC, positions] = [a, b, kh * kw];
  if (layout === 'torch') {
    if (same(s, [out, inC, kh, kw])) return asStored(target.kind === 'linear' && positions > 1 ? `${kh}x${kw} convolution -> linear (same C,H,W order)` : 'as stored');
    if (same(s, [out, inC * positions])) {
      return asStored(target.kind === 'conv' ? (positions > 1 ? `linear (out, c*h*w) -> ${kh}x${kw} convolution` : 'linear -> 1x1 convolution') : 'as stored');
    }
    return null;
  }
  const copy = (param: Tensor, source: WeightTensor) => copyTransposed(param, source, positions, inC, out);
  if (same(s, [kh, kw, inC, out])) return { conversion: 'HWIO -> OIHW', copy };
  if (same(s, [positions * inC, out])) {
    return { conversion: positions > 1 ? `dense (h*w*c, out), channels-last -> ${kh}x${kw} convolution (out, c, h, w)` : 'dense (in, out) -> (out, in)', copy };
  }
  return null;
}

/**
 * Transposes up to `wholeBytes` are read whole; larger kernels go through partial reads in blocks
 * of about `blockBytes`; values lying as they are in a file are mapped when `mapFiles`, one
 * mapping for about `mapBytes` of them (tunable; the tests lower them and turn mapping off to
 * run small files through every path).
 */
export const CONVERSION_LIMITS = { wholeBytes: 64 << 20, blockBytes: 4 << 20, mapBytes: 64 << 20, mapFiles: true };

/**
 * param (out, in, positions) <- file values in (positions, in, out) C order. A 2-d transpose
 * (positions 1) is read whole and takes libtorch's blocked transpose copy. With positions, in
 * blocks of `cb` input channels over every position: P runs of cb*out values each, gathered into
 * (P, cb, out) and copied into param[:, c0:c0+cb, :], whose memory is one run of cb*P values per
 * output channel (a plain permuted copy would write every value kh*kw floats from the last: 6x slower).
 */
function copyTransposed(param: Tensor, source: WeightTensor, P: number, C: number, O: number): void {
  const dest = param.view([O, C, P]);
  try {
    noGrad(() => {
      // Values as they are in a file: each block viewed in the mapped file (P runs of n*out
      // values) and copied from there straight into the parameter. One mapping serves the blocks
      // of about mapBytes of values: unmapping is what keeps the resident pages down, but one
      // mapping per block (512 for Keras' fc1) doubled the time of the whole copy.
      const span = source.fileSpan;
      if (CONVERSION_LIMITS.mapFiles && span && (source.dtype === 'float32' || source.dtype === 'float64')) {
        const item = source.dtype === 'float64' ? 8 : 4;
        const cb = blockChannels(P, O);
        const perMap = Math.max(cb, Math.floor(CONVERSION_LIMITS.mapBytes / (P * O * item)));
        for (let m0 = 0; m0 < C; m0 += perMap) {
          const mapped = [mapBytes(span, P * C * O * item)];
          try {
            mapped.push(mapped[0]!.view([P, C, O * item]));
            for (let c0 = m0; c0 < Math.min(C, m0 + perMap); c0 += cb) {
              const parts = [mapped[1]!.narrow(1, c0, Math.min(cb, C - c0, m0 + perMap - c0))];
              try {
                parts.push(bytesAs(parts[0]!, source.dtype, span.offset % item === 0));
                parts.push(parts[1]!.permute([2, 1, 0]));
                parts.push(dest.narrow(1, c0, parts[0]!.shape[1]!));
                parts[3]!.copy_(parts[2]!);
              } finally {
                for (const t of parts) t.dispose();
              }
            }
          } finally {
            for (const t of mapped) t.dispose();
          }
        }
        return;
      }
      const large = P * C * O * 4 > CONVERSION_LIMITS.wholeBytes;
      // HDF5 through h5wasm: the P rows of one input channel (a Dense kernel's rows are (position, channel)) in one strided read.
      if (large && source.readRowsStrided && source.shape.length === 2 && source.rangeAlign === O) {
        const strided = source.readRowsStrided;
        copyBlocks(dest, (c) => strided(c, C, P), P, C, O);
        return;
      }
      const readRange = source.readRange;
      // Partial reads where the format has them, for every size: the n channels of a block at
      // each position are one run of n*out values, read straight into one reused block buffer
      // (a whole read would allocate, fault in and copy every byte once more).
      if (readRange && O % source.rangeAlign === 0 && (source.dtype === 'float32' || source.dtype === 'float64')) {
        copyRuns(
          dest,
          (row, n, into) => {
            const got = readRange(row * O, n * O, into);
            // Some readers hand back their own view of the bytes instead of filling the scratch.
            if (got.buffer !== into.buffer || got.byteOffset !== into.byteOffset) into.set(new Uint8Array(got.buffer, got.byteOffset, got.byteLength));
          },
          P,
          C,
          O,
          source.dtype === 'float64',
        );
        return;
      }
      if (P === 1 && C * O * 4 <= CONVERSION_LIMITS.wholeBytes) {
        const all = tensor(source.read(), { shape: [C, O] });
        const d2 = dest.view([O, C]);
        try {
          d2.copy_(all.t());
        } finally {
          d2.dispose();
          all.dispose();
        }
        return;
      }
      const whole = source.read(); // read once (small, or a format without partial reads), copied by blocks
      copyRuns(dest, (row, n, into) => new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(new Uint8Array(whole.buffer, whole.byteOffset + row * O * whole.BYTES_PER_ELEMENT, n * O * whole.BYTES_PER_ELEMENT)), P, C, O, whole instanceof Float64Array);
    });
  } finally {
    dest.dispose();
  }
}

const blockChannels = (P: number, O: number): number => Math.max(1, Math.floor(CONVERSION_LIMITS.blockBytes / (P * O * 4)));

/** The (P, n, out) block for channels [c0, c0 + n) into dest[:, c0:c0+n, :] (out, n, P). */
function copyBlock(dest: Tensor, buffer: Float32Array | Float64Array, P: number, c0: number, n: number, O: number): void {
  const block = tensor(buffer.subarray(0, P * n * O), { shape: [P, n, O] });
  const slice = dest.narrow(1, c0, n);
  const view = block.permute([2, 1, 0]);
  slice.copy_(view);
  for (const t of [view, slice, block]) t.dispose();
}

/** Blocks whose rows (position p, channels c0..c0+n) are read as runs straight into the buffer. */
function copyRuns(dest: Tensor, read: (row: number, n: number, into: Uint8Array) => void, P: number, C: number, O: number, double = false): void {
  const cb = blockChannels(P, O);
  const buffer = double ? new Float64Array(P * cb * O) : new Float32Array(P * cb * O);
  const bytes = new Uint8Array(buffer.buffer);
  const item = buffer.BYTES_PER_ELEMENT;
  for (let c0 = 0; c0 < C; c0 += cb) {
    const n = Math.min(cb, C - c0);
    for (let p = 0; p < P; p++) read(p * C + c0, n, bytes.subarray(p * n * O * item, (p + 1) * n * O * item));
    copyBlock(dest, buffer, P, c0, n, O);
  }
}

/**
 * Blocks of input channels where channel(c) gives one channel's values over every position,
 * (P, out) (HDF5's strided rows): placed in the (P, cb, out) buffer, then copied.
 */
function copyBlocks(dest: Tensor, channel: (c: number) => WeightData, P: number, C: number, O: number): void {
  const cb = blockChannels(P, O);
  let buffer: Float32Array | Float64Array | null = null;
  for (let c0 = 0; c0 < C; c0 += cb) {
    const n = Math.min(cb, C - c0);
    for (let j = 0; j < n; j++) {
      const values = channel(c0 + j) as Float32Array | Float64Array;
      buffer ??= values instanceof Float64Array ? new Float64Array(P * cb * O) : new Float32Array(P * cb * O);
      for (let p = 0; p < P; p++) buffer.set(values.subarray(p * O, (p + 1) * O), (p * n + j) * O);
    }
    copyBlock(dest, buffer!, P, c0, n, O);
  }
}
