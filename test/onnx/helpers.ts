// Running exported models in onnxruntime-node and comparing with pixelwise's own forward.
import * as ort from 'onnxruntime-node';
import { manualSeed, noGrad, randn, type Tensor } from '../../src/torch/index.js';
import { BatchNorm2d, ConvTranspose2d, type Module } from '../../src/nn/index.js';
import * as init from '../../src/nn/init.js';

/**
 * Gives every parameter and BatchNorm statistic random values of a scale that keeps activations
 * near 1 through deep nets (so FCN's zero-initialised score layers, bilinear upsampling and BN's
 * identity start do not make the comparison trivial).
 */
export function randomize(model: Module<any, any>, seed = 0): void {
  manualSeed(seed);
  noGrad(() => {
    for (const [, m] of model.namedModules()) {
      for (const [name, p] of m.namedParameters('', false)) {
        if (m instanceof BatchNorm2d) {
          if (name === 'weight') init.uniform_(p, 0.5, 1.5);
          else init.normal_(p, 0, 0.1);
        } else if (p.ndim === 1) {
          init.normal_(p, 0, 0.1);
        } else {
          // Each output sums fanIn products; a transposed convolution's output sees (k / s)^2 taps per input channel.
          const spatial = p.shape.slice(2).reduce((a, b) => a * b, 1);
          const fanIn = m instanceof ConvTranspose2d ? (p.size(0) * spatial) / (m.stride[0] * m.stride[1]) : p.numel / p.size(0);
          init.normal_(p, 0, Math.sqrt(2 / fanIn));
        }
      }
      if (m instanceof BatchNorm2d && m.runningMean && m.runningVar) {
        init.normal_(m.runningMean, 0, 0.2);
        init.uniform_(m.runningVar, 0.5, 2);
      }
    }
  });
}

export interface Compared {
  /** max |onnxruntime - pixelwise| */
  maxAbsDiff: number;
  /** max |pixelwise|, to show the scale the difference is measured against */
  maxAbs: number;
  shape: number[];
}

let sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

export async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, sessionOptions);
}

/** Runs the session on x (fed as the graph's one input) and returns its first output. */
export async function runOrt(s: ort.InferenceSession, x: Tensor): Promise<{ data: Float32Array; dims: number[] }> {
  const feeds = { [s.inputNames[0]!]: new ort.Tensor('float32', x.data() as Float32Array, x.shape) };
  const result = await s.run(feeds);
  const out = result[s.outputNames[0]!]!;
  return { data: out.data as Float32Array, dims: [...out.dims] };
}

/** pixelwise's forward (eval, no gradients) and onnxruntime's on the same input. */
export async function compare(model: Module<any, any>, s: ort.InferenceSession, x: Tensor): Promise<Compared> {
  model.eval();
  const expected = noGrad(() => model.forward(x)) as Tensor;
  try {
    const got = await runOrt(s, x);
    const want = expected.data() as Float32Array;
    if (got.dims.join() !== expected.shape.join()) {
      throw new Error(`onnxruntime output [${got.dims}] differs in shape from pixelwise's [${expected.shape}]`);
    }
    let maxAbsDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got.data[i]! - want[i]!);
      if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
      maxAbs = Math.max(maxAbs, Math.abs(want[i]!));
    }
    return { maxAbsDiff, maxAbs, shape: expected.shape };
  } finally {
    expected.dispose();
  }
}

/** A seeded random input. */
export function input(shape: number[], seed = 1): Tensor {
  manualSeed(seed);
  return randn(shape);
}

export function setSessionOptions(o: ort.InferenceSession.SessionOptions): void {
  sessionOptions = o;
}
