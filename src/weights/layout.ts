// Layout conversions: whether a file's tensor fits a zoo parameter, and the view of the
// parameter that the file's values fill in their own C order. The view is the conversion: a
// TF kernel (kh, kw, in, out) fills the parameter (out, in, kh, kw) permuted to (kh, kw, in, out);
// a Keras / tensorflow-vgg Dense kernel (h*w*c, out) flattened channels-last fills the same view
// merged to (h*w, c, out); a torchvision Linear (out, c*h*w) fills a 7x7 convolution as it is.
// Nothing is transposed in memory: readInto copies chunk by chunk into the strided view.
import type { Tensor } from '../torch/index.js';
import type { Role } from './layers.js';
import type { TargetLayer } from './targets.js';

export interface CopyPlan {
  /** What the values fill, in the file's C order (the parameter itself or a view of it). */
  view(param: Tensor): Tensor;
  /** For the report: 'as stored', 'HWIO -> OIHW', ... */
  conversion: string;
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

function planShape(target: TargetLayer, role: Role, s: number[], layout: 'torch' | 'tf', paramShape: readonly number[]): CopyPlan | null {
  if (role !== 'weight') {
    const n = paramShape.reduce((a, b) => a * b, 1);
    return s[0] === n ? { view: (p) => p, conversion: 'as stored' } : null;
  }
  const [a, b, kh, kw] = target.kernel;
  if (target.kind === 'transposed') {
    // Both PyTorch and Caffe store deconvolutions as (in, out, kh, kw); TF's transposed kernels do not occur here.
    return layout === 'torch' && same(s, [a, b, kh, kw]) ? { view: (p) => p, conversion: 'as stored' } : null;
  }
  const [out, inC] = [a, b];
  if (layout === 'torch') {
    if (same(s, [out, inC, kh, kw])) return { view: (p) => p, conversion: target.kind === 'linear' && kh * kw > 1 ? `${kh}x${kw} convolution -> linear (same C,H,W order)` : 'as stored' };
    if (same(s, [out, inC * kh * kw])) {
      const conversion = target.kind === 'conv' && kh * kw > 1 ? `linear (out, c*h*w) -> ${kh}x${kw} convolution` : target.kind === 'conv' ? 'linear -> 1x1 convolution' : 'as stored';
      return { view: (p) => p, conversion };
    }
    return null;
  }
  // TF layouts: the parameter as (out, in, kh, kw), permuted to the file's (kh, kw, in, out).
  const kernelView = (p: Tensor): Tensor => {
    const k = p.ndim === 4 ? p : p.view([out, inC, kh, kw]);
    const v = k.permute([2, 3, 1, 0]);
    if (k !== p) k.dispose();
    return v;
  };
  if (same(s, [kh, kw, inC, out])) return { view: kernelView, conversion: 'HWIO -> OIHW' };
  if (same(s, [kh * kw * inC, out])) {
    return {
      view: (p) => {
        const k = kernelView(p);
        try {
          return k.view([kh * kw, inC, out]); // (h, w) merge: h's stride is w's times w
        } finally {
          k.dispose();
        }
      },
      conversion: kh * kw > 1 ? `dense (h*w*c, out), channels-last -> ${kh}x${kw} convolution (out, c, h, w)` : 'dense (in, out) -> (out, in)',
    };
  }
  return null;
}
