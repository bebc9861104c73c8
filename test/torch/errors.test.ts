// Bad input becomes a JS Error naming the op, shapes and dtypes; it never aborts the process
// and never leaks the tensors involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, memory, op, tensor, tidy, where, zeros } from '../../src/torch/index.js';
import * as F from '../../src/nn/functional.js';

const int64 = (values: number[]) => tensor(new BigInt64Array(values.map(BigInt)));

/** Runs fn inside tidy, expects it to throw matching `pattern`, and checks nothing leaked. */
function fails(fn: () => unknown, pattern: RegExp, kind: ErrorConstructor = Error): void {
  const before = memory().liveTensors;
  assert.throws(() => tidy(fn), (err: unknown) => {
    assert.ok(err instanceof kind, `expected a ${kind.name}, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return true;
  });
  assert.equal(memory().liveTensors, before, 'tensors leaked by the failed call');
}

test('shape mismatch names the op and both shapes', () => {
  fails(() => zeros([2, 3]).matmul(zeros([4, 5])), /aten::matmul\(self=float32\[2,3\], other=float32\[4,5\]\).*cannot be multiplied/);
  fails(() => zeros([2, 3]).add(zeros([3, 2])), /aten::add\.Tensor\(self=float32\[2,3\], other=float32\[3,2\].*must match/);
  fails(() => cat([zeros([2, 3]), zeros([4, 5])]), /aten::cat\(tensors=\[float32\[2,3\], float32\[4,5\]\]/);
  fails(() => zeros([2, 3]).reshape([4]), /aten::reshape\(self=float32\[2,3\], shape=\[4\]\).*invalid for input of size 6/);
  fails(
    () => F.conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3])),
    /aten::conv2d\(input=float32\[1,3,5,5\], weight=float32\[4,2,3,3\].*expected input\[1, 3, 5, 5\] to have 2 channels/,
  );
});

test('dtype mismatch names the op and dtypes', () => {
  fails(() => zeros([2, 3]).indexSelect(0, zeros([1])), /aten::index_select\(.*index=float32\[1\]\).*Expected dtype int32 or int64/);
  fails(() => zeros([2, 3]).gather(1, zeros([2, 3])), /aten::gather\(.*index=float32\[2,3\].*Expected dtype int64/);
  fails(() => where(zeros([2]), zeros([2]), zeros([2])), /aten::where\.self\(condition=float32\[2\].*boolean/);
  fails(() => zeros([2], { dtype: 'int64' }).add_(0.5), /aten::add_\.Scalar\(self=int64\[2\].*can't be cast/);
  fails(() => F.oneHot(zeros([2])), /aten::one_hot\(self=float32\[2\].*index tensor/);
  fails(() => zeros([2], { dtype: 'int64' }).requiresGrad_(), /requiresGrad_: Only Tensors of floating point/);
});

test('out-of-range indices name the op, the index and the shape', () => {
  fails(() => zeros([2, 3]).select(0, 5), /aten::select\.int\(self=float32\[2,3\], dim=0, index=5\).*index 5 out of range/);
  fails(() => zeros([2, 3]).narrow(1, 2, 5), /aten::narrow\(self=float32\[2,3\], dim=1, start=2, length=5\).*exceeds dimension size \(3\)/);
  fails(() => zeros([2, 3]).indexSelect(1, int64([7])), /aten::index_select\(self=float32\[2,3\], dim=1, index=int64\[1\]\).*id=7/);
  fails(() => zeros([2, 3]).slice(4, 0, 1), /aten::slice\.Tensor\(self=float32\[2,3\], dim=4.*Dimension out of range/);
  fails(() => zeros([2, 3]).size(4), /size: dimension 4 out of range for a 2-d tensor \[2,3\]/, RangeError);
});

test('using a disposed tensor names the op and the argument', () => {
  const t = tensor([1, 2]);
  t.dispose();
  fails(() => t.add(1), /aten::add\.Scalar: argument 0 is a Tensor that was already disposed/);
  fails(() => zeros([2]).add(t), /aten::add\.Tensor: argument 1 is a Tensor that was already disposed/);
  fails(() => cat([zeros([2]), t]), /aten::cat: argument 0\[1\] is a Tensor that was already disposed/);
  fails(() => t.shape, /already disposed/);
});

test('wrong argument types name the op, the argument and what was given', () => {
  const x = zeros([2, 3]);
  fails(() => op('aten::add.Tensor', [x, 'x']), /aten::add\.Tensor argument 'other': expected a Tensor/, TypeError);
  fails(() => x.narrow(1, 0.5, 1), /aten::narrow: argument 'start' expected an integer, got number 0\.5/, TypeError);
  fails(() => x.reshape('abc' as never), /aten::reshape: argument 'shape' expected int\[\], got string 'abc'/, TypeError);
  fails(() => x.add({} as never), /aten::add\.Scalar: argument 'other' expected a number, got object/, TypeError);
  fails(() => op('aten::add.Tensor', [x]), /aten::add\.Tensor: missing argument 'other'/, TypeError);
  fails(() => op('aten::neg', [x, 1, 2]), /aten::neg: takes 1 arguments, got 3/, TypeError);
  fails(() => op('aten::nope', [x]), /no operator named aten::nope/);
  fails(() => x.to('gpu'), /aten::to\.device: argument 'device': .*device string: gpu/);
  fails(() => op('aten::add.Scalar', [x, 10n ** 30n]), /expected an integer, got bigint/, TypeError);
  fails(() => zeros([2], { dtype: 'float8' as never }), /unknown dtype 'float8'/, TypeError);
  fails(() => F.conv2d(zeros([5, 5]), zeros([4, 2, 3, 3])), /conv2d: expected a 3-d or 4-d input.*float32\[5,5\]/);
  fails(() => F.pad(x, [1]), /pad: expected \(before, after\) pairs/);
  x.dispose();
});

test('fromData with the wrong byte length or shape is a RangeError', () => {
  fails(() => tensor(new Float32Array(5), { shape: [2, 3] }), /fromData: shape \[2,3\] of float32 needs 24 bytes, got 20/, RangeError);
  fails(() => tensor(new Float32Array(5), { shape: [-1, 5] }), /fromData: invalid dimension -1/, RangeError);
  fails(() => tensor([[1, 2], [3]]), /ragged nested array/, TypeError);
  fails(() => tensor([1, 2, 3], { shape: [2, 2] }), /3 values cannot have shape \[2,2\]/, RangeError);
});

test('assigning a gradient of the wrong shape or dtype is rejected', () => {
  const x = zeros([2], { requiresGrad: true });
  fails(() => (x.grad = zeros([3])), /assigned gradient float32\[3\] does not match tensor float32\[2\]/);
  fails(() => (x.grad = zeros([2], { dtype: 'float64' })), /assigned gradient float64\[2\] does not match/);
  assert.equal(x.grad, null);
  x.dispose();
});

test('the engine keeps working after errors', () => {
  for (let i = 0; i < 3; i++) fails(() => zeros([2, 3]).matmul(zeros([4, 5])), /cannot be multiplied/);
  tidy(() => assert.deepEqual(tensor([1, 2]).add(1).toArray(), [2, 3]));
});

test('a misspelt or doubly given named argument is an error listing the schema, not silently ignored', () => {
  fails(() => op('aten::sum.dim_IntList', [zeros([2, 3]), [1]], { keepdims: true }), /aten::sum\.dim_IntList: no argument named 'keepdims' \(its arguments: self, dim, keepdim, dtype\)/, TypeError);
  fails(() => op('aten::sum.dim_IntList', [zeros([2, 3]), [1], false], { keepdim: true }), /argument 'keepdim' given both by position \(2\) and by name/, TypeError);
  // Named undefined means "not given", so the positional value stands.
  const s = op('aten::sum.dim_IntList', [zeros([2, 3]), [1], true], { keepdim: undefined as unknown as boolean });
  assert.deepEqual(s.shape, [2, 1]);
  s.dispose();
});
