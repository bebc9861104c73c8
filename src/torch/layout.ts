// The memory layout a model runs in: NCHW-contiguous, or channels_last (NHWC strides under the
// same NCHW shape, which oneDNN's convolutions run faster). The rule that turns
// `--memory-format auto` into one of them lives here, next to the precision rule it depends on,
// and so does the one way a model and its inputs are put in a layout, so training, evaluation
// and prediction agree. Only the strides change: shapes, values and everything that leaves the
// model (checkpoints, ONNX, state dicts: all written from contiguous copies) do not.
import type { Precision } from './precision.js';
import type { Device, MemoryFormat, Tensor } from './tensor.js';

/** How a model's 4-d weights and inputs are laid out: 'channels-last' (NHWC strides) or 'contiguous' (NCHW). */
export type MemoryLayout = 'channels-last' | 'contiguous';
/** What a user may ask for: a layout, or 'auto' (the rule below). */
export type MemoryLayoutRequest = MemoryLayout | 'auto';
export const MEMORY_LAYOUT_REQUESTS: readonly MemoryLayoutRequest[] = ['auto', 'channels-last', 'contiguous'];

export interface MemoryLayoutChoice {
  memoryFormat: MemoryLayout;
  requested: MemoryLayoutRequest;
  /** One line saying what was chosen and why, e.g. 'memory format: channels-last (auto: fp32 on the CPU)'. */
  note: string;
}

/**
 * Resolves a layout request for `precision` on `device`. The rule (DESIGN.md, "Layout and
 * precision rule", measured with the bench's CL cases): on the CPU every precision runs
 * channels_last (float32 3x3 convolutions gain 6-34%, whole zoo training steps 10-27%; bf16 is
 * no slower in it, and AMX kernels work on NHWC blocks). On a CUDA GPU bf16 runs channels_last
 * (tensor-core convolutions are NHWC); float32 there stays contiguous, unmeasured here.
 * @example
 *   resolveMemoryFormat('auto', 'fp32').memoryFormat; // 'channels-last'
 */
export function resolveMemoryFormat(requested: MemoryLayoutRequest, precision: Precision, device: Device = 'cpu'): MemoryLayoutChoice {
  if (!MEMORY_LAYOUT_REQUESTS.includes(requested)) {
    throw new RangeError(`memory format must be one of ${MEMORY_LAYOUT_REQUESTS.join(', ')}, got '${String(requested)}'`);
  }
  if (requested !== 'auto') return { memoryFormat: requested, requested, note: `memory format: ${requested}` };
  const gpu = String(device).startsWith('cuda');
  const memoryFormat: MemoryLayout = !gpu || precision === 'bf16' ? 'channels-last' : 'contiguous';
  return { memoryFormat, requested, note: `memory format: ${memoryFormat} (auto: ${precision} on ${gpu ? 'a CUDA GPU' : 'the CPU'})` };
}

/** Checks a library option (one line naming the value otherwise). */
export function checkMemoryFormat(value: unknown, what = 'memoryFormat'): MemoryLayout {
  if (value !== 'channels-last' && value !== 'contiguous') {
    throw new Error(`${what} must be 'channels-last' or 'contiguous' (resolveMemoryFormat turns 'auto' into one), got '${String(value)}'`);
  }
  return value;
}

/** libtorch's name for a layout (Tensor.contiguous, Module.to). */
export function torchMemoryFormat(layout: MemoryLayout): MemoryFormat {
  return layout === 'channels-last' ? 'channelsLast' : 'contiguous';
}

/** What modelInLayout needs of a model (nn's Module has it; torch does not import nn). */
export interface LayoutTarget {
  parameters(): Tensor[];
  buffers(): Tensor[];
  to(target: { memoryFormat: MemoryFormat }): unknown;
}

/** Whether every 4-d parameter and buffer of `model` is laid out as `layout` says. */
export function isModelInLayout(model: LayoutTarget, layout: MemoryLayout): boolean {
  const format = torchMemoryFormat(layout);
  return [...model.parameters(), ...model.buffers()].every((t) => t.ndim !== 4 || t.isContiguous(format));
}

/**
 * Puts a model's 4-d parameters and buffers in `layout`, in place (their values, and the
 * tensors' JS references, stay the same; Module.to does the work); nothing happens when they
 * already are. Done before an optimizer has state or DDP has buckets, so those follow the
 * parameters' strides.
 */
export function modelInLayout<M extends LayoutTarget>(model: M, layout: MemoryLayout): M {
  if (!isModelInLayout(model, layout)) model.to({ memoryFormat: torchMemoryFormat(layout) });
  return model;
}

/** An input batch (N, C, H, W) in `layout`: itself when it already is (or is not 4-d), else a strided copy. */
export function inputInLayout(x: Tensor, layout: MemoryLayout): Tensor {
  if (x.ndim !== 4 || layout === 'contiguous') return x;
  return x.isContiguous('channelsLast') ? x : x.contiguous('channelsLast');
}
