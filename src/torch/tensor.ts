// The Tensor type: one JS object owning one native at::Tensor. Every operation goes
// through the c10 dispatcher (see native/dispatch.cc), so autograd is libtorch's own.
import { inspect } from 'node:util';
import { native, type Handle, type NativeArg, type NativeResult, type OpHandle } from './native.js';
import { DTYPES, dtypeCode, dtypeFromCode, typedArrayOf, type DType, type TypedArray } from './dtype.js';
import { keep, setScopedCheck, track, untrack, type Scoped } from './scope.js';

export type Device = 'cpu' | 'cuda' | `cuda:${number}` | (string & {});
export type MemoryFormat = 'contiguous' | 'preserve' | 'channelsLast';
const MEMORY_FORMATS: Record<MemoryFormat, number> = { contiguous: 0, preserve: 1, channelsLast: 2 };

/** Anything an operator accepts as an argument. */
export type OpArg = Tensor | number | boolean | string | null | undefined | bigint | readonly OpArg[];

const ops = new Map<string, OpHandle>();

/** The dispatcher handle of an ATen operator such as 'aten::conv2d' or 'aten::add.Tensor'. */
export function findOp(name: string): OpHandle {
  let op = ops.get(name);
  if (op === undefined) {
    op = native.findOp(name);
    ops.set(name, op);
  }
  return op;
}

// The op name and argument position are only formatted into a message on failure (hot path).
function toNative(arg: OpArg, opName: string, position: string | number): NativeArg {
  if (arg instanceof Tensor) return arg.handleFor(opName, position);
  if (Array.isArray(arg)) return arg.map((a: OpArg, i: number) => toNative(a, opName, `${position}[${i}]`));
  return arg as NativeArg;
}

function fromNative(r: NativeResult): unknown {
  if (typeof r !== 'object' || r === null) return r;
  if (Array.isArray(r)) return r.map(fromNative);
  return new Tensor(r as Handle);
}

type NativeCall = (op: OpHandle, named: Record<string, NativeArg> | undefined, ...args: NativeArg[]) => NativeResult;

// Positional arguments go to the addon as separate function arguments (it reads them in one
// N-API call; an array costs one call per element). Small counts avoid a spread.
function invoke(call: NativeCall, name: string, args: readonly OpArg[], named: Record<string, OpArg> | undefined): NativeResult {
  const h = findOp(name);
  const n =
    named === undefined ? undefined : Object.fromEntries(Object.entries(named).map(([k, v]) => [k, toNative(v, name, `'${k}'`)]));
  switch (args.length) {
    case 0:
      return call(h, n);
    case 1:
      return call(h, n, toNative(args[0], name, 0));
    case 2:
      return call(h, n, toNative(args[0], name, 0), toNative(args[1], name, 1));
    case 3:
      return call(h, n, toNative(args[0], name, 0), toNative(args[1], name, 1), toNative(args[2], name, 2));
    case 4:
      return call(h, n, toNative(args[0], name, 0), toNative(args[1], name, 1), toNative(args[2], name, 2), toNative(args[3], name, 3));
    default:
      return call(h, n, ...args.map((a, i) => toNative(a, name, i)));
  }
}

/** Calls any ATen operator by schema name; Tensor results come back as Tensors. */
export function callOp(name: string, args: readonly OpArg[], named?: Record<string, OpArg>): unknown {
  return fromNative(invoke(native.callOp, name, args, named));
}

/** callOp for operators that return exactly one tensor. */
export function op(name: string, args: readonly OpArg[], named?: Record<string, OpArg>): Tensor {
  return callOp(name, args, named) as Tensor;
}

/** callOp for operators returning several tensors. */
export function opMany(name: string, args: readonly OpArg[], named?: Record<string, OpArg>): Tensor[] {
  return callOp(name, args, named) as Tensor[];
}

/** callOp for in-place operators: runs the op and makes no handle for its result (its first argument). */
export function opInPlace(name: string, args: readonly OpArg[], named?: Record<string, OpArg>): void {
  invoke(native.callOpVoid, name, args, named);
}

// The safety net for tensors that no tidy() scope owns: one the program drops without
// dispose() is freed after the garbage collector finds it. Scoped tensors are not registered
// (their scope frees them), which keeps registration off the per-operator path.
const unowned = new FinalizationRegistry<Handle>((h) => native.free(h));

function dims(d: number | readonly number[]): number[] {
  return typeof d === 'number' ? [d] : [...d];
}

export class Tensor implements Scoped {
  #handle: Handle | null;
  #registered = false;
  /** @internal the tidy() scope holding this tensor */
  scope: Scoped[] | null = null;
  /** @internal */
  scopeIndex = -1;

  /** @internal wraps a native handle; use the creation functions (tensor, zeros, ...) instead. */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** @internal the native handle; throws if the tensor was disposed. */
  get handle(): Handle {
    if (this.#handle === null) throw new Error('Tensor was already disposed');
    return this.#handle;
  }

  /** @internal the native handle for argument `position` of operator `opName`. */
  handleFor(opName: string, position: string | number): Handle {
    if (this.#handle === null) throw new Error(`${opName}: argument ${position} is a Tensor that was already disposed`);
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native memory now (idempotent). Views and autograd graphs keep their own references. */
  dispose(): void {
    const h = this.#handle;
    if (h === null) return;
    this.#handle = null;
    native.free(h);
    if (this.scope !== null) untrack(this);
    else if (this.#registered) unowned.unregister(this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Excludes this tensor from every enclosing tidy() scope. */
  keep(): this {
    return keep(this);
  }

  /** @internal no scope owns this tensor any more (see scope.ts). */
  orphan(): void {
    if (this.#registered || this.#handle === null) return;
    unowned.register(this, this.#handle, this);
    this.#registered = true;
  }

  // ---- metadata -------------------------------------------------------------------------

  get shape(): number[] {
    return native.shape(this.handle);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.handle));
  }
  get device(): Device {
    return native.device(this.handle);
  }
  get numel(): number {
    return native.numel(this.handle);
  }
  get strides(): number[] {
    return native.strides(this.handle);
  }
  size(dim: number): number {
    const shape = this.shape;
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) {
      throw new RangeError(`size: dimension ${dim} out of range for a ${shape.length}-d tensor [${shape}]`);
    }
    return shape[d]!;
  }
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this.handle, format === 'channelsLast');
  }
  /** True when both tensors are the same native tensor (e.g. the result of an in-place op). */
  isSame(other: Tensor): boolean {
    return native.sameTensor(this.handle, other.handle);
  }

  toString(): string {
    return this.#handle === null ? 'Tensor(disposed)' : `Tensor(${native.describe(this.#handle)})`;
  }

  [inspect.custom](): string {
    if (this.#handle === null) return 'Tensor(disposed)';
    const desc = native.describe(this.#handle);
    if (this.numel > 64) return `Tensor(${desc})`;
    return `Tensor(${desc}) ${inspect(this.toArray(), { depth: 8, breakLength: 100 })}`;
  }

  // ---- data out -------------------------------------------------------------------------

  /** The elements in row-major order (float16/bfloat16 are widened to Float32Array). */
  data(): TypedArray {
    const dtype = this.dtype;
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const wide = this.to('float32');
      try {
        return wide.data();
      } finally {
        wide.dispose();
      }
    }
    return typedArrayOf(dtype, native.toData(this.handle));
  }

  /** The elements as nested JS arrays of numbers (booleans for bool tensors). */
  toArray(): unknown {
    const flat = Array.from(this.data() as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
    const values: unknown[] = this.dtype === 'bool' ? flat.map((v) => v !== 0) : flat;
    const shape = this.shape;
    if (shape.length === 0) return values[0];
    const build = (offset: number, d: number): unknown[] => {
      const n = shape[d]!;
      if (d === shape.length - 1) return values.slice(offset, offset + n);
      const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => build(offset + i * stride, d + 1));
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }

  // ---- autograd -------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  /** Sets requiresGrad in place (PyTorch's requires_grad_); returns this. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient as a new handle (dispose it, or use it inside tidy), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g === null ? null : g.handle);
  }
  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }
  /** Computes gradients of this tensor w.r.t. the graph leaves (libtorch's autograd engine). */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(
      [this.handle],
      gradient ? [gradient.handle] : null,
      options.retainGraph ?? false,
      options.createGraph ?? false,
    );
  }
  /** Replaces this tensor's data with src's (PyTorch's `t.data = src`); references to this stay valid. */
  setData(src: Tensor): this {
    native.setData(this.handle, src.handle);
    return this;
  }
  detach(): Tensor {
    return op('aten::detach', [this]);
  }

  // ---- dtype / device / layout -----------------------------------------------------------

  to(target: DType | Device | { dtype?: DType; device?: Device; memoryFormat?: MemoryFormat }): Tensor {
    const t = typeof target === 'string' ? (isDtype(target) ? { dtype: target } : { device: target }) : target;
    const memoryFormat = t.memoryFormat === undefined ? null : MEMORY_FORMATS[t.memoryFormat];
    if (t.device !== undefined) {
      return op('aten::to.device', [this, t.device, dtypeCode(t.dtype ?? this.dtype), false, false, memoryFormat]);
    }
    return op('aten::to.dtype', [this, dtypeCode(t.dtype ?? this.dtype), false, false, memoryFormat]);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  clone(): Tensor {
    return op('aten::clone', [this]);
  }
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return op('aten::contiguous', [this, MEMORY_FORMATS[format]]);
  }

  // ---- elementwise ----------------------------------------------------------------------

  add(other: Tensor | number, alpha = 1): Tensor {
    return binary('aten::add.Tensor', 'aten::add.Scalar', this, other, alpha);
  }
  sub(other: Tensor | number, alpha = 1): Tensor {
    return binary('aten::sub.Tensor', 'aten::sub.Scalar', this, other, alpha);
  }
  /** other - this (PyTorch's rsub). */
  rsub(other: number): Tensor {
    return op('aten::rsub.Scalar', [this, other]);
  }
  mul(other: Tensor | number): Tensor {
    return binary('aten::mul.Tensor', 'aten::mul.Scalar', this, other);
  }
  div(other: Tensor | number): Tensor {
    return binary('aten::div.Tensor', 'aten::div.Scalar', this, other);
  }
  pow(exponent: Tensor | number): Tensor {
    return exponent instanceof Tensor
      ? op('aten::pow.Tensor_Tensor', [this, exponent])
      : op('aten::pow.Tensor_Scalar', [this, exponent]);
  }
  remainder(other: Tensor | number): Tensor {
    return binary('aten::remainder.Tensor', 'aten::remainder.Scalar', this, other);
  }
  maximum(other: Tensor): Tensor {
    return op('aten::maximum', [this, other]);
  }
  minimum(other: Tensor): Tensor {
    return op('aten::minimum', [this, other]);
  }
  neg(): Tensor {
    return op('aten::neg', [this]);
  }
  abs(): Tensor {
    return op('aten::abs', [this]);
  }
  exp(): Tensor {
    return op('aten::exp', [this]);
  }
  log(): Tensor {
    return op('aten::log', [this]);
  }
  log1p(): Tensor {
    return op('aten::log1p', [this]);
  }
  sqrt(): Tensor {
    return op('aten::sqrt', [this]);
  }
  rsqrt(): Tensor {
    return op('aten::rsqrt', [this]);
  }
  square(): Tensor {
    return op('aten::square', [this]);
  }
  reciprocal(): Tensor {
    return op('aten::reciprocal', [this]);
  }
  sign(): Tensor {
    return op('aten::sign', [this]);
  }
  floor(): Tensor {
    return op('aten::floor', [this]);
  }
  ceil(): Tensor {
    return op('aten::ceil', [this]);
  }
  round(): Tensor {
    return op('aten::round', [this]);
  }
  sin(): Tensor {
    return op('aten::sin', [this]);
  }
  cos(): Tensor {
    return op('aten::cos', [this]);
  }
  sigmoid(): Tensor {
    return op('aten::sigmoid', [this]);
  }
  tanh(): Tensor {
    return op('aten::tanh', [this]);
  }
  relu(): Tensor {
    return op('aten::relu', [this]);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return op('aten::leaky_relu', [this, negativeSlope]);
  }
  softmax(dim: number): Tensor {
    return op('aten::softmax.int', [this, dim]);
  }
  logSoftmax(dim: number): Tensor {
    return op('aten::log_softmax.int', [this, dim]);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return op('aten::clamp', [this, min ?? null, max ?? null]);
  }
  /** Elements where mask is true replaced by value. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return op('aten::masked_fill.Scalar', [this, mask, value]);
  }

  // ---- comparisons and logic ------------------------------------------------------------

  eq(other: Tensor | number): Tensor {
    return binary('aten::eq.Tensor', 'aten::eq.Scalar', this, other);
  }
  ne(other: Tensor | number): Tensor {
    return binary('aten::ne.Tensor', 'aten::ne.Scalar', this, other);
  }
  lt(other: Tensor | number): Tensor {
    return binary('aten::lt.Tensor', 'aten::lt.Scalar', this, other);
  }
  le(other: Tensor | number): Tensor {
    return binary('aten::le.Tensor', 'aten::le.Scalar', this, other);
  }
  gt(other: Tensor | number): Tensor {
    return binary('aten::gt.Tensor', 'aten::gt.Scalar', this, other);
  }
  ge(other: Tensor | number): Tensor {
    return binary('aten::ge.Tensor', 'aten::ge.Scalar', this, other);
  }
  logicalNot(): Tensor {
    return op('aten::logical_not', [this]);
  }
  logicalAnd(other: Tensor): Tensor {
    return op('aten::logical_and', [this, other]);
  }
  logicalOr(other: Tensor): Tensor {
    return op('aten::logical_or', [this, other]);
  }
  isnan(): Tensor {
    return op('aten::isnan', [this]);
  }
  isfinite(): Tensor {
    return op('aten::isfinite', [this]);
  }
  /** True when every element is within atol + rtol * |other| of other (torch.allclose). */
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
    return callOp('aten::allclose', [this, other, rtol, atol, false]) as boolean;
  }

  // ---- reductions -----------------------------------------------------------------------

  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return dim === undefined ? op('aten::sum', [this]) : op('aten::sum.dim_IntList', [this, dims(dim), keepdim]);
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return dim === undefined ? op('aten::mean', [this]) : op('aten::mean.dim', [this, dims(dim), keepdim]);
  }
  prod(): Tensor {
    return op('aten::prod', [this]);
  }
  /** Variance (unbiased by default, like PyTorch) over dims, or over all elements. */
  var(dim?: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    return op('aten::var.dim', [this, dim === undefined ? null : dims(dim), options.unbiased ?? true, options.keepdim ?? false]);
  }
  std(dim?: number | readonly number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    return op('aten::std.dim', [this, dim === undefined ? null : dims(dim), options.unbiased ?? true, options.keepdim ?? false]);
  }
  /** The p-norm over dims (all elements by default). */
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return op('aten::linalg_vector_norm', [this, p, dim === undefined ? null : dims(dim), keepdim]);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return op('aten::max', [this]);
    const [values, indices] = opMany('aten::max.dim', [this, dim, keepdim]);
    return { values: values!, indices: indices! };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return op('aten::min', [this]);
    const [values, indices] = opMany('aten::min.dim', [this, dim, keepdim]);
    return { values: values!, indices: indices! };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return op('aten::argmax', [this, dim ?? null, keepdim]);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return op('aten::argmin', [this, dim ?? null, keepdim]);
  }
  all(): Tensor {
    return op('aten::all', [this]);
  }
  any(): Tensor {
    return op('aten::any', [this]);
  }

  // ---- linear algebra -------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return op('aten::matmul', [this, other]);
  }
  /** The transpose of a matrix (2-d tensor). */
  t(): Tensor {
    return op('aten::t', [this]);
  }

  // ---- shape ----------------------------------------------------------------------------

  reshape(shape: readonly number[]): Tensor {
    return op('aten::reshape', [this, shape]);
  }
  view(shape: readonly number[]): Tensor {
    return op('aten::view', [this, shape]);
  }
  permute(order: readonly number[]): Tensor {
    return op('aten::permute', [this, order]);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return op('aten::transpose.int', [this, dim0, dim1]);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return op('aten::flatten.using_ints', [this, startDim, endDim]);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? op('aten::squeeze', [this]) : op('aten::squeeze.dim', [this, dim]);
  }
  unsqueeze(dim: number): Tensor {
    return op('aten::unsqueeze', [this, dim]);
  }
  expand(shape: readonly number[]): Tensor {
    return op('aten::expand', [this, shape]);
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  repeat(repeats: readonly number[]): Tensor {
    return op('aten::repeat', [this, repeats]);
  }
  /** length elements of dim starting at start (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return op('aten::narrow', [this, dim, start, length]);
  }
  /** Python's t[start:end:step] along dim (a view); negative bounds count from the end. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return op('aten::slice.Tensor', [this, dim, start ?? null, end ?? null, step]);
  }
  /** The index-th entry along dim, removing that dimension (a view). */
  select(dim: number, index: number): Tensor {
    return op('aten::select.int', [this, dim, index]);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return op('aten::index_select', [this, dim, index]);
  }
  gather(dim: number, index: Tensor): Tensor {
    return op('aten::gather', [this, dim, index]);
  }
  /** Splits into `chunks` pieces along dim. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return opMany('aten::chunk', [this, chunks, dim]);
  }
  /** Splits into pieces of splitSize (or the given sizes) along dim. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return typeof splitSize === 'number'
      ? opMany('aten::split.Tensor', [this, splitSize, dim])
      : opMany('aten::split_with_sizes', [this, splitSize, dim]);
  }
  flip(dimsToFlip: number | readonly number[]): Tensor {
    return op('aten::flip', [this, dims(dimsToFlip)]);
  }

  // ---- in place (return this; used by optimizers and initialisers under noGrad) ---------

  add_(other: Tensor | number, alpha = 1): this {
    return this.#inplace(other instanceof Tensor ? 'aten::add_.Tensor' : 'aten::add_.Scalar', [other, alpha]);
  }
  sub_(other: Tensor | number, alpha = 1): this {
    return this.#inplace(other instanceof Tensor ? 'aten::sub_.Tensor' : 'aten::sub_.Scalar', [other, alpha]);
  }
  mul_(other: Tensor | number): this {
    return this.#inplace(other instanceof Tensor ? 'aten::mul_.Tensor' : 'aten::mul_.Scalar', [other]);
  }
  div_(other: Tensor | number): this {
    return this.#inplace(other instanceof Tensor ? 'aten::div_.Tensor' : 'aten::div_.Scalar', [other]);
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inplace('aten::addcmul_', [t1, t2, value]);
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inplace('aten::addcdiv_', [t1, t2, value]);
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    return this.#inplace('aten::lerp_.Scalar', [end, weight]);
  }
  sqrt_(): this {
    return this.#inplace('aten::sqrt_', []);
  }
  clamp_(min?: number | null, max?: number | null): this {
    return this.#inplace('aten::clamp_', [min ?? null, max ?? null]);
  }
  relu_(): this {
    return this.#inplace('aten::relu_', []);
  }
  copy_(src: Tensor): this {
    return this.#inplace('aten::copy_', [src]);
  }
  zero_(): this {
    return this.#inplace('aten::zero_', []);
  }
  fill_(value: number): this {
    return this.#inplace('aten::fill_.Scalar', [value]);
  }
  uniform_(from = 0, to = 1): this {
    return this.#inplace('aten::uniform_', [from, to]);
  }
  normal_(mean = 0, std = 1): this {
    return this.#inplace('aten::normal_', [mean, std]);
  }

  #inplace(name: string, args: readonly OpArg[]): this {
    switch (args.length) {
      case 0:
        opInPlace(name, [this]);
        break;
      case 1:
        opInPlace(name, [this, args[0]]);
        break;
      case 2:
        opInPlace(name, [this, args[0], args[1]]);
        break;
      default:
        opInPlace(name, [this, ...args]);
    }
    return this;
  }
}

setScopedCheck((v) => v instanceof Tensor);

// Operator names are literals per overload: a name built per call would be hashed per call.
function binary(tensorOp: string, scalarOp: string, a: Tensor, b: Tensor | number, alpha?: number): Tensor {
  const name = b instanceof Tensor ? tensorOp : scalarOp;
  return alpha === undefined || alpha === 1 ? op(name, [a, b]) : op(name, [a, b, alpha]);
}

function isDtype(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}
