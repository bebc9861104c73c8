// loadWeights: a weight file of any format copied into a zoo model through the mapping that
// fits it, with a report of what was mapped (and how), what the model still misses, what the
// file holds beyond it, and what did not fit. Values go straight from the file into the
// parameters (readInto: chunked, into permuted views where layouts differ).
import { noGrad, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { openWeights, type WeightFile } from '../io/formats/index.js';
import type { Normalization } from '../image/normalization.js';
import { planCopy } from './layout.js';
import type { Role } from './layers.js';
import { resolveMapping, type ResolvedMapping } from './match.js';
import { zooTargets } from './targets.js';

export interface MappedTensor {
  /** The model's parameter (state-dict key) and shape. */
  target: string;
  targetShape: number[];
  /** The file's tensor and its shape there. */
  source: string;
  sourceShape: number[];
  conversion: string;
}

export interface WeightsReport {
  path: string;
  format: WeightFile['format'];
  /** The mapping used ('torchvision', 'keras', 'caffe-fcn', 'pixelwise', ...) and what it reads. */
  mapping: string;
  mappingTitle: string;
  mapped: MappedTensor[];
  /** Model tensors the file did not fill (they keep their initialisation). */
  missing: { target: string; shape: number[] }[];
  /** File tensors nothing in the model took. */
  unused: { source: string; shape: number[] }[];
  /** A layer both have, in shapes that do not fit (another model's weights). */
  mismatched: { target: string; targetShape: number[]; source: string; sourceShape: number[] }[];
  /** The input the weights expect. */
  normalization: Normalization;
}

export interface LoadWeightsOptions {
  /** Throw (one line, naming the file) unless every model tensor is filled and every file tensor used. */
  strict?: boolean;
  /** A mapping id (see MAPPINGS) instead of choosing by the file's tensor names. */
  mapping?: string;
}

const list = (items: string[], max = 4): string => (items.length > max ? `${items.slice(0, max).join(', ')}, ... (${items.length} in all)` : items.join(', '));

/** One line summarising what in the report is not a clean load. */
export function reportProblems(r: WeightsReport): string {
  const parts: string[] = [];
  if (r.mismatched.length) parts.push(`${r.mismatched.length} mismatched (${list(r.mismatched.map((m) => `${m.target} [${m.targetShape}] vs ${m.source} [${m.sourceShape}]`), 3)})`);
  if (r.missing.length) parts.push(`${r.missing.length} missing (${list(r.missing.map((m) => `${m.target} [${m.shape}]`))})`);
  if (r.unused.length) parts.push(`${r.unused.length} unused (${list(r.unused.map((u) => `${u.source} [${u.shape}]`))})`);
  return parts.join('; ');
}

/** The report as lines for a terminal: counts, then every tensor by section. */
export function formatReport(r: WeightsReport): string {
  const lines = [
    `${r.path}: ${r.format}, read as ${r.mappingTitle} (mapping ${r.mapping})`,
    `${r.mapped.length} mapped, ${r.missing.length} missing, ${r.unused.length} unused, ${r.mismatched.length} mismatched`,
  ];
  if (r.mapped.length) lines.push('mapped:', ...r.mapped.map((m) => `  ${m.target} [${m.targetShape}] <- ${m.source} [${m.sourceShape}]${m.conversion === 'as stored' ? '' : `  (${m.conversion})`}`));
  if (r.missing.length) lines.push('missing (kept their initialisation):', ...r.missing.map((m) => `  ${m.target} [${m.shape}]`));
  if (r.unused.length) lines.push('unused:', ...r.unused.map((u) => `  ${u.source} [${u.shape}]`));
  if (r.mismatched.length) lines.push('mismatched (not loaded):', ...r.mismatched.map((m) => `  ${m.target} [${m.targetShape}] vs ${m.source} [${m.sourceShape}]`));
  return lines.join('\n');
}

/** A layer's weight factor: a number, or a file tensor of one value or one per input channel (Caffe's Scale layer). */
function scaleOf(resolved: ResolvedMapping, layer: string): { value: number | Tensor; label: string; tensor?: string } | null {
  const s = resolved.mapping.scale?.[layer as keyof NonNullable<ResolvedMapping['mapping']['scale']>];
  if (s === undefined) return null;
  if (typeof s === 'number') return { value: s, label: `x ${s}` };
  const t = resolved.file.tensors.get(s);
  if (!t) return null;
  const values = t.toTensor({ dtype: 'float32' });
  return { value: values, label: `x ${s} [${t.shape}] per input channel`, tensor: s };
}

/** score(s * x) = (W * s) x + b: the input scale folded into a 1x1 convolution's weight (out, in, 1, 1). */
function foldScale(path: string, weight: Tensor, inChannels: number, s: number | Tensor, name?: string): void {
  if (typeof s === 'number') {
    noGrad(() => weight.mul_(s));
    return;
  }
  if (s.numel !== 1 && s.numel !== inChannels) throw new Error(`${path}: '${name}' holds ${s.numel} scale factors, expected 1 or ${inChannels} (one per input channel)`);
  noGrad(() => {
    const column = s.reshape(s.numel === 1 ? [1] : [1, inChannels, ...Array(weight.ndim - 2).fill(1)]);
    weight.mul_(column);
    column.dispose();
  });
}

/** Copies a resolved file into `model`; the report says what went where. */
export function applyMapping(model: Module<any, any>, resolved: ResolvedMapping): WeightsReport {
  const { file } = resolved;
  const state = model.stateDict();
  const done = new Set<string>();
  const used = new Set<string>();
  const report: WeightsReport = {
    path: file.path,
    format: file.format,
    mapping: resolved.mapping.id,
    mappingTitle: resolved.mapping.title,
    mapped: [],
    missing: [],
    unused: [],
    mismatched: [],
    normalization: resolved.normalization,
  };
  if (resolved.identity) {
    for (const [key, param] of state) {
      const t = file.tensors.get(key);
      if (!t) continue;
      if (t.shape.length !== param.ndim || !t.shape.every((d, i) => d === param.shape[i])) {
        // Same name, other shape: another width or class count — the caller should hear of it.
        done.add(key);
        used.add(key);
        report.mismatched.push({ target: key, targetShape: param.shape, source: key, sourceShape: [...t.shape] });
        continue;
      }
      t.readInto(param);
      done.add(key);
      used.add(key);
      report.mapped.push({ target: key, targetShape: param.shape, source: key, sourceShape: [...t.shape], conversion: 'as stored' });
    }
  }
  const targets = zooTargets(model);
  for (const [name, target] of targets.layers) {
    const source = resolved.layers.get(name);
    if (!source) continue;
    const scale = scaleOf(resolved, name);
    if (scale?.tensor) used.add(scale.tensor);
    try {
      for (const [role, key] of Object.entries(target.params) as [Role, string][]) {
        const t = source.tensors[role];
        const param = state.get(key);
        if (!t || !param || done.has(key)) continue;
        const plan = planCopy(target, role, t.shape, resolved.mapping.layout, param.shape);
        if (!plan) {
          report.mismatched.push({ target: key, targetShape: param.shape, source: t.name, sourceShape: [...t.shape] });
          used.add(t.name);
          continue;
        }
        plan.copy(param, t);
        let conversion = plan.conversion;
        if (scale && role === 'weight') {
          foldScale(resolved.file.path, param, target.kernel[1], scale.value, scale.tensor);
          conversion = `${conversion === 'as stored' ? '' : `${conversion}, `}${scale.label}`;
        }
        done.add(key);
        used.add(t.name);
        report.mapped.push({ target: key, targetShape: param.shape, source: t.name, sourceShape: [...t.shape], conversion });
      }
    } finally {
      if (scale && typeof scale.value !== 'number') scale.value.dispose();
    }
  }
  const ignore = (resolved.mapping.ignore ?? []).map((p) => new RegExp(p));
  for (const [key, param] of state) {
    // PyTorch leaves BatchNorm's step counter at 0 when a state dict lacks it (torchvision's *_bn files); so do we.
    if (!done.has(key) && !key.endsWith('.num_batches_tracked')) report.missing.push({ target: key, shape: param.shape });
  }
  for (const [name, t] of file.tensors) {
    if (!used.has(name) && !ignore.some((re) => re.test(name))) report.unused.push({ source: name, shape: [...t.shape] });
  }
  return report;
}

/**
 * Copies the weights in `file` (a path in any format openWeights reads, or an open WeightFile)
 * into a zoo model, through the mapping that fits the file's tensor names: torchvision or
 * pytorch-fcn state dicts, Keras .h5, TF-slim checkpoints, tensorflow-vgg .npy, Caffe VGG and FCN
 * releases, pixelwise checkpoints. Returns what was mapped, missing, unused and mismatched, and
 * the input normalization the weights expect. With strict, anything but a complete fit throws
 * one line naming the file.
 * @example
 *   const fcn = createModel('fcn8s', { numClasses: 21 });
 *   const report = await loadWeights(fcn, 'fcn8s-heavy-pascal.caffemodel', { strict: true });
 *   const vgg = createModel('fcn8s', { numClasses: 12 });
 *   await loadWeights(vgg, 'vgg_16.ckpt'); // the backbone and fc6/fc7; the heads stay as built
 */
export async function loadWeights(model: Module<any, any>, file: string | WeightFile, options: LoadWeightsOptions = {}): Promise<WeightsReport> {
  const opened = typeof file === 'string' ? await openWeights(file) : file;
  try {
    const report = applyMapping(model, resolveMapping(opened, options.mapping, (model as { architecture?: string }).architecture));
    if (options.strict) {
      const problems = reportProblems(report);
      if (problems) throw new Error(`${opened.path}: read as ${report.mappingTitle}, it does not fit ${describe(model)} exactly: ${problems}`);
    }
    return report;
  } finally {
    if (typeof file === 'string') opened.close();
  }
}

function describe(model: Module<any, any>): string {
  const m = model as { architecture?: string; config?: object };
  return m.architecture ? `model ${m.architecture} ${JSON.stringify(m.config ?? {})}` : model.typeName;
}
