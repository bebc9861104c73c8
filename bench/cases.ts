// The benchmark cases. Each one runs as a pixelwise process and a PyTorch process with the
// same workload, threads, warm-up and step counts. Adding a case is one entry in CASES.
import type { Precision, Workload } from './protocol.js';

export type Group = 'ops' | 'engine' | 'zoo' | 'overhead';

export interface BenchCase {
  id: string;
  group: Group;
  workload: Workload;
  /** Images (or ops) one step processes, for throughput. */
  items: number;
  /** Floating-point operations of one step, for GFLOP/s (convolution cases). */
  flops?: number;
  channelsLast: boolean;
  /** bf16: autocast('cpu', bfloat16) around the forward pass on both sides. */
  precision: Precision;
  inplace: boolean;
  /** pixelwise disposes intermediates inside forward (see nets/chain.ts). */
  eager: boolean;
  /** Untimed steps before the first block. */
  warmup: number;
  /** Timed steps per block; blocks alternate A B B A ... */
  iters: number;
  rounds: number;
  /** quick: part of --quick and of the default run; default: the default run; extra: only with --all or --only. */
  tier: 'quick' | 'default' | 'extra';
}

type ConvShape = { n: number; cin: number; cout: number; h: number; w: number; k: number; stride: number; padding: number };

/** Forward + backward (input and weight gradients): three products of the forward's size. */
function convFlops(kind: 'conv2d' | 'convTranspose2d', s: ConvShape): number {
  if (kind === 'convTranspose2d') return 3 * 2 * s.n * s.cin * s.cout * s.k * s.k * s.h * s.w;
  const out = (size: number): number => Math.floor((size + 2 * s.padding - s.k) / s.stride) + 1;
  return 3 * 2 * s.n * s.cout * out(s.h) * out(s.w) * s.cin * s.k * s.k;
}

function convCase(kind: 'conv2d' | 'convTranspose2d', s: ConvShape, channelsLast: boolean, quick: boolean, precision: Precision = 'fp32'): BenchCase {
  const name = kind === 'conv2d' ? 'conv' : 'convT';
  const stride = s.stride === 1 ? '' : ` s${s.stride}`;
  return {
    id: `${name} ${s.k}x${s.k}${stride} ${s.cin}->${s.cout} @${s.n}x${s.h}x${s.w}${precision === 'bf16' ? ' bf16' : ''}${channelsLast ? ' CL' : ''}`,
    group: 'ops',
    workload: { kind, ...s },
    items: s.n,
    flops: convFlops(kind, s),
    channelsLast,
    precision,
    inplace: false,
    eager: false,
    warmup: 2,
    iters: 4,
    rounds: 2,
    tier: quick ? 'quick' : 'default',
  };
}

const CONV_SHAPES: [ConvShape, boolean][] = [
  [{ n: 1, cin: 64, cout: 64, h: 224, w: 224, k: 3, stride: 1, padding: 1 }, false], // VGG block 1
  [{ n: 1, cin: 64, cout: 128, h: 112, w: 112, k: 3, stride: 1, padding: 1 }, true], // DESIGN.md's measured shape
  [{ n: 1, cin: 256, cout: 256, h: 56, w: 56, k: 3, stride: 1, padding: 1 }, false], // VGG block 3
  [{ n: 1, cin: 512, cout: 512, h: 28, w: 28, k: 3, stride: 1, padding: 1 }, false], // VGG block 4
];
const CONVT_SHAPES: [ConvShape, boolean][] = [
  [{ n: 1, cin: 256, cout: 128, h: 64, w: 64, k: 2, stride: 2, padding: 0 }, true], // U-Net up-convolution
  [{ n: 1, cin: 128, cout: 64, h: 56, w: 56, k: 4, stride: 2, padding: 1 }, false], // learnable 2x upsampling
];

function netCase(
  group: Group,
  id: string,
  workload: Workload & { kind: 'train' | 'infer' },
  o: Partial<BenchCase> & { warmup: number; iters: number; rounds: number },
): BenchCase {
  return { id, group, workload, items: workload.batch, channelsLast: false, precision: 'fp32', inplace: false, eager: false, tier: 'default', ...o };
}

const vgg = { kind: 'train', model: 'vgg-small', batch: 4, channels: 3, height: 128, width: 128, classes: 21, optimizer: 'sgd', lr: 0.01 } as const;
const unet = { kind: 'train', model: 'unet-small', batch: 2, channels: 1, height: 128, width: 128, classes: 2, optimizer: 'adam', lr: 1e-3 } as const;
const engineRuns = { warmup: 2, iters: 4, rounds: 3 };
// Seconds per step: one untimed step, then one step per block, A B B A.
const zooRuns = { warmup: 1, iters: 1, rounds: 4 };

// 3x3 convolutions at the zoo's sizes in float32 and bfloat16 (autocast), contiguous and
// channels_last: the measurements behind DESIGN.md's layout rule. The quick set has all four
// variants of the shape DESIGN.md quotes.
const convVariants = (kind: 'conv2d' | 'convTranspose2d', s: ConvShape, quick: boolean): BenchCase[] =>
  (['fp32', 'bf16'] as const).flatMap((p) => [convCase(kind, s, false, quick, p), convCase(kind, s, true, quick && kind === 'conv2d', p)]);

export const CASES: BenchCase[] = [
  ...CONV_SHAPES.flatMap(([s, quick]) => convVariants('conv2d', s, quick)),
  ...CONVT_SHAPES.flatMap(([s, quick]) => convVariants('convTranspose2d', s, quick)),

  // Training steps of small nets, as a user would write them, then the memory/layout variants.
  netCase('engine', 'train vgg-small 4x3x128x128 SGD', vgg, { ...engineRuns, tier: 'quick' }),
  netCase('engine', 'train vgg-small 4x3x128x128 SGD CL', vgg, { ...engineRuns, channelsLast: true }),
  netCase('engine', 'train vgg-small 4x3x128x128 SGD inplace+eager', vgg, { ...engineRuns, inplace: true, eager: true }),
  netCase('engine', 'train unet-small 2x1x128x128 Adam', unet, { ...engineRuns, tier: 'quick' }),
  netCase('engine', 'train unet-small 2x1x128x128 Adam CL', unet, { ...engineRuns, channelsLast: true }),
  netCase('engine', 'train unet-small 2x1x128x128 Adam inplace+eager', unet, { ...engineRuns, inplace: true, eager: true }),
  // The same small nets in bf16 mixed precision, contiguous and channels_last.
  netCase('engine', 'train vgg-small 4x3x128x128 SGD bf16', vgg, { ...engineRuns, precision: 'bf16' }),
  netCase('engine', 'train vgg-small 4x3x128x128 SGD bf16 CL', vgg, { ...engineRuns, precision: 'bf16', channelsLast: true }),
  netCase('engine', 'train unet-small 2x1x128x128 Adam bf16', unet, { ...engineRuns, precision: 'bf16', tier: 'quick' }),
  netCase('engine', 'train unet-small 2x1x128x128 Adam bf16 CL', unet, { ...engineRuns, precision: 'bf16', channelsLast: true }),

  // Fixed cost per operator call and per training step (tiny tensors: kernels cost ~nothing).
  { id: 'op overhead: add (no grad) x1000', group: 'overhead', workload: { kind: 'overhead', op: 'add', count: 1000 }, items: 1000, channelsLast: false, precision: 'fp32', inplace: false, eager: false, warmup: 3, iters: 10, rounds: 3, tier: 'quick' },
  { id: 'op overhead: add (autograd) x1000', group: 'overhead', workload: { kind: 'overhead', op: 'addGrad', count: 1000 }, items: 1000, channelsLast: false, precision: 'fp32', inplace: false, eager: false, warmup: 3, iters: 10, rounds: 3, tier: 'default' },
  netCase('overhead', 'train vgg-small 1x3x16x16 (overhead)', { ...vgg, batch: 1, height: 16, width: 16 }, { warmup: 5, iters: 30, rounds: 3 }),
  netCase('overhead', 'train unet-small 1x1x16x16 (overhead)', { ...unet, batch: 1, height: 16, width: 16 }, { warmup: 5, iters: 30, rounds: 3 }),

  // Model zoo (src/models): skipped with a note until those models exist.
  netCase('zoo', 'train fcn8s 1x3x224x224 SGD', { kind: 'train', model: 'fcn8s', batch: 1, channels: 3, height: 224, width: 224, classes: 21, optimizer: 'sgd', lr: 1e-4 }, { ...zooRuns, inplace: true }),
  netCase('zoo', 'infer fcn8s 1x3x360x480', { kind: 'infer', model: 'fcn8s', batch: 1, channels: 3, height: 360, width: 480, classes: 21 }, { ...zooRuns, inplace: true }),
  netCase('zoo', 'train unet 2x1x256x256 Adam', { kind: 'train', model: 'unet', batch: 2, channels: 1, height: 256, width: 256, classes: 2, optimizer: 'adam', lr: 1e-4 }, { ...zooRuns, inplace: true }),
  // One step of the CamVid recipe of bench/realdata (U-Net base 16, 11 classes).
  netCase('zoo', 'train unet16 8x3x192x256 Adam', { kind: 'train', model: 'unet16', batch: 8, channels: 3, height: 192, width: 256, classes: 11, optimizer: 'adam', lr: 1e-3 }, { ...zooRuns, inplace: true }),
  // The same with channels_last activations and weights on both sides (oneDNN's native layout); --all.
  netCase('zoo', 'train fcn8s 1x3x224x224 SGD CL', { kind: 'train', model: 'fcn8s', batch: 1, channels: 3, height: 224, width: 224, classes: 21, optimizer: 'sgd', lr: 1e-4 }, { ...zooRuns, inplace: true, channelsLast: true, tier: 'extra' }),
  netCase('zoo', 'infer fcn8s 1x3x360x480 CL', { kind: 'infer', model: 'fcn8s', batch: 1, channels: 3, height: 360, width: 480, classes: 21 }, { ...zooRuns, inplace: true, channelsLast: true, tier: 'extra' }),
  netCase('zoo', 'train unet 2x1x256x256 Adam CL', { kind: 'train', model: 'unet', batch: 2, channels: 1, height: 256, width: 256, classes: 2, optimizer: 'adam', lr: 1e-4 }, { ...zooRuns, inplace: true, channelsLast: true, tier: 'extra' }),
  // bf16 mixed precision (autocast on both sides), contiguous; with channels_last: --all.
  ...(['', ' CL'] as const).flatMap((cl) => [
    netCase('zoo', `train fcn8s 1x3x224x224 SGD bf16${cl}`, { kind: 'train', model: 'fcn8s', batch: 1, channels: 3, height: 224, width: 224, classes: 21, optimizer: 'sgd', lr: 1e-4 }, { ...zooRuns, inplace: true, precision: 'bf16', channelsLast: cl !== '', tier: cl ? 'extra' : 'default' }),
    netCase('zoo', `infer fcn8s 1x3x360x480 bf16${cl}`, { kind: 'infer', model: 'fcn8s', batch: 1, channels: 3, height: 360, width: 480, classes: 21 }, { ...zooRuns, inplace: true, precision: 'bf16', channelsLast: cl !== '', tier: cl ? 'extra' : 'default' }),
    netCase('zoo', `train unet 2x1x256x256 Adam bf16${cl}`, { kind: 'train', model: 'unet', batch: 2, channels: 1, height: 256, width: 256, classes: 2, optimizer: 'adam', lr: 1e-4 }, { ...zooRuns, inplace: true, precision: 'bf16', channelsLast: cl !== '', tier: cl ? 'extra' : 'default' }),
    netCase('zoo', `train unet16 8x3x192x256 Adam bf16${cl}`, { kind: 'train', model: 'unet16', batch: 8, channels: 3, height: 192, width: 256, classes: 11, optimizer: 'adam', lr: 1e-3 }, { ...zooRuns, inplace: true, precision: 'bf16', channelsLast: cl !== '', tier: cl ? 'extra' : 'default' }),
  ]),
];
