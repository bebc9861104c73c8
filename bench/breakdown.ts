// Where pixelwise's fixed cost per operator goes: the same tiny op (1-element add) through
// successively more of the stack, from the bare N-API call to Tensor methods inside tidy().
// `node dist/bench/breakdown.js` (PyTorch's a + b on the same tensors for scale: reference/breakdown.py).
import { native, type Handle } from '../src/torch/native.js';
import { callOp, findOp, ones, tidy, type Tensor } from '../src/torch/index.js';
import { median } from './stats.js';

const N = 20000;
const ROUNDS = 7;

function time(label: string, body: () => void): [string, number] {
  body(); // warm-up (JIT, op lookup)
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    body();
    per.push(((performance.now() - t0) * 1000) / N);
  }
  return [label, median(per)];
}

const a = ones([1]).keep();
const b = ones([1]).keep();
const c = ones([1]).keep();
const ha = a.handle;
const hb = b.handle;
const hc = c.handle;
const add = findOp('aten::add.Tensor');
const addInPlace = findOp('aten::add_.Tensor');
const noop = findOp('aten::alias');

const rows: [string, number][] = [
  time('N-API call, no dispatch (native.numel)', () => {
    for (let i = 0; i < N; i++) native.numel(ha);
  }),
  time('native.callOp aten::alias (view, no kernel work) + free', () => {
    for (let i = 0; i < N; i++) native.free(native.callOp(noop, undefined, ha) as Handle);
  }),
  time('native.callOp aten::add.Tensor + free', () => {
    for (let i = 0; i < N; i++) native.free(native.callOp(add, undefined, ha, hb) as Handle);
  }),
  time('native.callOpVoid aten::add_.Tensor (in place, no handle)', () => {
    for (let i = 0; i < N; i++) native.callOpVoid(addInPlace, undefined, hc, hb);
  }),
  time("callOp('aten::add.Tensor') -> Tensor, dispose (in tidy)", () => {
    tidy(() => {
      for (let i = 0; i < N; i++) (callOp('aten::add.Tensor', [a, b]) as Tensor).dispose();
    });
  }),
  time('a.add(b), dispose (in tidy)', () => {
    tidy(() => {
      for (let i = 0; i < N; i++) a.add(b).dispose();
    });
  }),
  time('a.add(b) inside tidy (freed at scope end)', () => {
    tidy(() => {
      for (let i = 0; i < N; i++) a.add(b);
    });
  }),
  time('a.add(b), dispose, outside tidy (GC safety net registered)', () => {
    for (let i = 0; i < N; i++) a.add(b).dispose();
  }),
];

console.log(`µs per call (median of ${ROUNDS} x ${N}); 1-element float32 tensors, no grad\n`);
for (const [label, us] of rows) console.log(`${us.toFixed(2).padStart(7)}  ${label}`);
