// A mapping resolved against one file: which of the file's tensors hold each logical layer, at
// which VGG depth, and — when no mapping is named — which mapping fits the file's tensor names
// best (never its file name). pixelwise's own checkpoints name their layers as the zoo does.
import type { WeightFile, WeightTensor } from '../io/formats/index.js';
import { CHECKPOINT_FORMAT, type CheckpointConfig } from '../checkpoint/file.js';
import { resolveNormalization, type Normalization } from '../image/normalization.js';
import { createModelFromConfig, isModelName } from '../models/registry.js';
import { withDefaultDevice } from '../torch/index.js';
import type { VggDepth } from '../models/vgg.js';
import { FCN_HEADS, FC_LAYERS, ROLES, vggConvs, VGG_DEPTHS, type HeadLayer, type Role } from './layers.js';
import { MAPPINGS, mappingById, type WeightMapping } from './mappings.js';
import { zooTargets } from './targets.js';

/** The file's tensors of one logical layer. */
export interface SourceLayer {
  name: string;
  /** The layer's name in the file. */
  layer: string;
  tensors: Partial<Record<Role, WeightTensor>>;
}

export interface ResolvedMapping {
  /** The mapping's table ('pixelwise' for the zoo's own checkpoints). */
  mapping: Pick<WeightMapping, 'id' | 'title' | 'layout' | 'family' | 'scale' | 'ignore'>;
  file: WeightFile;
  /** The VGG depth of the file's backbone (null when it has no VGG convolutions). */
  depth: VggDepth | null;
  /** Whether the backbone has BatchNorm layers (torchvision's *_bn). */
  batchNorm: boolean;
  /** Logical layer -> its tensors in the file. */
  layers: Map<string, SourceLayer>;
  /** Tensors that may be copied by name as they are (pixelwise checkpoints: every tensor). */
  identity: boolean;
  normalization: Normalization;
  /** The file does not say how its inputs were normalized (the model's training default applies). */
  defaultNormalization?: boolean;
  /** Class names the file states for its output layer, or a table the output count must match. */
  classes: { names: readonly string[] | 'imagenet' | 'voc' } | null;
  /** The model a pixelwise checkpoint was saved from. */
  model?: { name: string; options: Record<string, unknown> };
  /** How many tensors the mapping found in the file (what the choice compares). */
  found: number;
}

function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (all, key: string) => (key in vars ? String(vars[key]) : all));
}

/** Finds tensors by a template-made name: exactly, or as a '/'-bounded suffix of a longer name. */
class NameIndex {
  readonly #bySuffix = new Map<string, string>();
  constructor(
    readonly file: WeightFile,
    readonly match: 'exact' | 'suffix',
  ) {
    if (match === 'suffix') {
      for (const name of file.tensors.keys()) {
        for (let p = 0; p < name.length; p++) {
          if (p === 0 || name[p - 1] === '/') {
            const suffix = name.slice(p);
            if (!this.#bySuffix.has(suffix)) this.#bySuffix.set(suffix, name);
          }
        }
      }
    }
  }
  get(name: string): WeightTensor | undefined {
    const full = this.match === 'exact' ? name : this.#bySuffix.get(name);
    return full === undefined ? undefined : this.file.tensors.get(full);
  }
}

function resolveLayout(file: WeightFile, m: WeightMapping, index: NameIndex, depth: VggDepth, batchNorm: boolean): Map<string, SourceLayer> {
  const layers = new Map<string, SourceLayer>();
  const add = (name: string, layer: string, vars: Record<string, string | number>, roles: readonly Role[]) => {
    const tensors: Partial<Record<Role, WeightTensor>> = {};
    for (const role of roles) {
      for (const template of m.tensors[role] ?? []) {
        const t = index.get(fill(template, { ...vars, layer }));
        if (t) {
          tensors[role] = t;
          break;
        }
      }
    }
    if (Object.keys(tensors).length) layers.set(name, { name, layer, tensors });
  };
  const convRoles = ROLES.filter((r) => batchNorm || !r.startsWith('bn.'));
  for (const c of vggConvs(depth, batchNorm)) {
    const vars = { b: c.block, i: c.index, depth, features: c.featuresIndex, bn: c.featuresIndex + 1 };
    const withBn = m.bn && batchNorm ? { ...vars, bn: fill(m.bn, vars) } : vars;
    add(c.name, fill(m.conv, vars), withBn, convRoles);
  }
  for (const [head, layer] of Object.entries(m.heads) as [HeadLayer, string][]) add(head, fill(layer, { depth }), { depth }, ['weight', 'bias']);
  void file;
  return layers;
}

const countTensors = (layers: Map<string, SourceLayer>): number => [...layers.values()].reduce((n, l) => n + Object.keys(l.tensors).length, 0);

/** The depth (and BatchNorm) whose convolutions the file holds: all of them if any depth fits whole, else the most. */
function bestLayout(file: WeightFile, m: WeightMapping): { depth: VggDepth | null; batchNorm: boolean; layers: Map<string, SourceLayer> } {
  const index = new NameIndex(file, m.match);
  let best: { depth: VggDepth | null; batchNorm: boolean; layers: Map<string, SourceLayer>; convs: number; whole: boolean } | null = null;
  for (const depth of VGG_DEPTHS) {
    for (const batchNorm of m.bn ? [false, true] : [false]) {
      const layers = resolveLayout(file, m, index, depth, batchNorm);
      const convs = vggConvs(depth, batchNorm).filter((c) => layers.get(c.name)?.tensors.weight).length;
      const whole = convs === vggConvs(depth).length && (!batchNorm || vggConvs(depth, true).every((c) => layers.get(c.name)?.tensors['bn.running_mean']));
      const better = !best || (whole && !best.whole) || (whole === best.whole && (convs > best.convs || (convs === best.convs && countTensors(layers) > countTensors(best.layers))));
      if (better) best = { depth, batchNorm, layers, convs, whole };
    }
  }
  const b = best!;
  return { depth: b.convs > 0 ? b.depth : null, batchNorm: b.convs > 0 && b.batchNorm, layers: b.layers };
}

function fromTable(file: WeightFile, m: WeightMapping): ResolvedMapping {
  const { depth, batchNorm, layers } = bestLayout(file, m);
  return {
    mapping: m,
    file,
    depth,
    batchNorm,
    layers,
    identity: false,
    normalization: resolveNormalization(m.normalization),
    classes: m.classes ? { names: m.classes } : null,
    found: countTensors(layers),
  };
}

/** The config of a pixelwise checkpoint, or null for any other file. */
export function checkpointConfigOf(file: WeightFile): CheckpointConfig | null {
  if (file.format !== 'safetensors' || file.metadata.format !== CHECKPOINT_FORMAT || typeof file.metadata.config !== 'string') return null;
  try {
    return JSON.parse(file.metadata.config) as CheckpointConfig;
  } catch (err) {
    throw new Error(`${file.path}: a pixelwise checkpoint whose config is not valid JSON (${(err as Error).message})`);
  }
}

/** A pixelwise checkpoint: its tensors carry the zoo's names; the logical layers come from its model's own layout. */
function fromCheckpoint(file: WeightFile, config: CheckpointConfig): ResolvedMapping {
  const options = config.model.options ?? {};
  let source;
  try {
    source = withDefaultDevice('meta', () => createModelFromConfig(config.model.name, options));
  } catch (err) {
    throw new Error(`${file.path}: cannot rebuild its model '${config.model.name}' (${(err as Error).message})`);
  }
  try {
    const targets = zooTargets(source);
    const layers = new Map<string, SourceLayer>();
    for (const [name, t] of targets.layers) {
      const tensors: Partial<Record<Role, WeightTensor>> = {};
      for (const [role, key] of Object.entries(t.params) as [Role, string][]) {
        const w = file.tensors.get(key);
        if (w) tensors[role] = w;
      }
      if (Object.keys(tensors).length) layers.set(name, { name, layer: t.module, tensors });
    }
    const isFcn = targets.layers.has('score_fr');
    return {
      mapping: { id: 'pixelwise', title: `a pixelwise checkpoint of ${config.model.name}`, layout: 'torch', family: isFcn ? 'fcn' : 'vgg' },
      file,
      depth: targets.backbone?.depth ?? null,
      batchNorm: targets.backbone?.batchNorm ?? false,
      layers,
      identity: true,
      normalization: resolveNormalization((config.preprocess as { normalize?: unknown } | undefined)?.normalize, `${file.path}: preprocess.normalize`),
      classes: Array.isArray(config.classes?.names) ? { names: config.classes.names } : null,
      model: { name: config.model.name, options },
      found: file.tensors.size,
    };
  } finally {
    source.dispose();
  }
}

/** Whether the file is a PyTorch or safetensors state dict with names of `model`'s layers (at its default options). */
function holdsStateDictOf(file: WeightFile, model: string): boolean {
  if (!['safetensors', 'pytorch-zip', 'pytorch-legacy'].includes(file.format) || !isModelName(model)) return false;
  const reference = withDefaultDevice('meta', () => createModelFromConfig(model, {}));
  try {
    const keys = new Set(reference.stateDict().keys());
    return [...file.tensors.keys()].some((k) => keys.has(k));
  } finally {
    reference.dispose();
  }
}

/**
 * A state dict saved from a zoo model itself (`saveSafetensors(path, model.stateDict())`,
 * `torch.save(model.state_dict())` of the same architecture): copied by name into the model the
 * caller builds; what does not fit shows up as missing or mismatched. The file says nothing of
 * its preprocessing: the model's training default applies unless the caller gives one.
 */
function fromStateDict(file: WeightFile): ResolvedMapping {
  return {
    mapping: { id: 'state-dict', title: "a state dict under the zoo's own names", layout: 'torch', family: 'vgg' },
    file,
    depth: null,
    batchNorm: false,
    layers: new Map(),
    identity: true,
    normalization: resolveNormalization('unit'),
    defaultNormalization: true,
    classes: null,
    found: file.tensors.size,
  };
}

const layersWanted = (m: WeightMapping): string => {
  const conv = fill(m.conv, { b: 1, i: 1, depth: 16, features: 0, bn: 1 });
  const t = m.tensors.weight?.[0] ?? '{layer}';
  return fill(t, { layer: conv });
};

/**
 * Which mapping fits the file: the one named by `id`, a pixelwise checkpoint's own, among the
 * mappings for the file's format the one that finds the most tensors (the first on a tie), or —
 * when none does and the caller names the `model` it builds — a state dict of that model's own
 * layer names.
 */
export function resolveMapping(file: WeightFile, id?: string, model?: string): ResolvedMapping {
  const config = checkpointConfigOf(file);
  if (id === 'pixelwise' || (id === undefined && config)) {
    if (!config) throw new Error(`${file.path}: mapping 'pixelwise' needs a pixelwise checkpoint (a safetensors file with format ${CHECKPOINT_FORMAT})`);
    return fromCheckpoint(file, config);
  }
  if (id !== undefined) {
    const r = fromTable(file, mappingById(id));
    if (r.found === 0) throw new Error(`${file.path}: none of its tensors is named as ${r.mapping.title} names them (e.g. ${layersWanted(mappingById(id))}); found ${sample(file)}`);
    return r;
  }
  const candidates = MAPPINGS.filter((m) => m.formats.includes(file.format));
  let best: ResolvedMapping | null = null;
  for (const m of candidates) {
    const r = fromTable(file, m);
    if (r.found > 0 && (!best || r.found > best.found)) best = r;
  }
  if (!best && model !== undefined && holdsStateDictOf(file, model)) best = fromStateDict(file);
  if (!best) {
    const expected = candidates.length
      ? candidates.map((m) => `${m.title} (${layersWanted(m)})`).join('; or ')
      : `a format with VGG/FCN weights (${[...new Set(MAPPINGS.flatMap((m) => m.formats))].join(', ')})`;
    throw new Error(`${file.path}: a ${file.format} file whose tensor names match no VGG or FCN layout pixelwise knows (found ${sample(file)}); expected ${expected}`);
  }
  return best;
}

function sample(file: WeightFile): string {
  const names = [...file.tensors.keys()];
  if (names.length === 0) return 'no tensors';
  return names.slice(0, 4).join(', ') + (names.length > 4 ? `, ... (${names.length} tensors)` : '');
}

/** The FCN stride whose upsampling layers the file holds, or null. */
export function fcnStride(r: ResolvedMapping): 8 | 16 | 32 | null {
  if (r.layers.has('upscore8') || r.layers.has('score_pool3')) return 8;
  if (r.layers.has('upscore16') || r.layers.has('score_pool4')) return 16;
  if (r.layers.has('upscore') || r.layers.has('score_fr')) return 32;
  return null;
}

export { FCN_HEADS, FC_LAYERS };
