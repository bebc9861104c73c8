// The foreign layouts pixelwise maps onto its zoo, one declarative table each: which formats
// hold it, how it names VGG's convolutions and the head layers, how tensor names are made from
// layer names, the kernel layout, and what the weights expect as input (the normalization record)
// and predict (class names). Choosing among them (match.ts) looks at the tensor names only.
import type { WeightFormat } from '../io/formats/index.js';
import type { NormalizationPreset } from '../image/normalization.js';
import type { HeadLayer, Role } from './layers.js';

/** Class tables a mapping may name (image/classes.ts). */
export type ClassTable = 'imagenet' | 'voc';

export interface WeightMapping {
  /** Short name (--mapping, reports). */
  id: string;
  /** What the files are, for messages and the README. */
  title: string;
  /** The reader formats such files come in. */
  formats: readonly WeightFormat[];
  /**
   * Layer name of VGG's conv{b}_{i}. Placeholders: {b}, {i}, {depth} (16, 19), {features}
   * (torchvision's index of the convolution in `features`), {bn} (of its BatchNorm).
   */
  conv: string;
  /** Layer name of the BatchNorm after each convolution (torchvision's *_bn), when the layout has them. */
  bn?: string;
  /** Layer names of the classifier / FCN head layers the layout has ({depth} allowed). */
  heads: Partial<Record<HeadLayer, string>>;
  /** Tensor names of each role, from the layer name ({layer}); the first present wins. */
  tensors: Partial<Record<Role, readonly string[]>>;
  /** 'exact': tensor names are the templates; 'suffix': they end with one after a '/' (Keras groups, nested models). */
  match: 'exact' | 'suffix';
  /** 'torch': kernels (out, in, kh, kw), linear (out, in over C,H,W); 'tf': kernels (kh, kw, in, out), dense (in over H,W,C, out). */
  layout: 'torch' | 'tf';
  /** Weight factors folded into a layer: a number, or the name of a one-value tensor in the file (Caffe's Scale layers). */
  scale?: Partial<Record<HeadLayer, number | string>>;
  /** File tensors that are not weights of the net (optimizer slots, step counters): never reported unused. */
  ignore?: readonly string[];
  /** The input the weights were trained on. */
  normalization: NormalizationPreset;
  /** Class names of the net's output layer (fc8 or score_fr), used when its output count matches the table. */
  classes?: ClassTable;
  /** What the file holds, to pick a model when none is given: a VGG classifier (or its backbone) or an FCN. */
  family: 'vgg' | 'fcn';
  /** Where users get such files (README). */
  source: string;
}

const TORCH_TENSORS = {
  weight: ['{layer}.weight'],
  bias: ['{layer}.bias'],
  'bn.weight': ['{bn}.weight'],
  'bn.bias': ['{bn}.bias'],
  'bn.running_mean': ['{bn}.running_mean'],
  'bn.running_var': ['{bn}.running_var'],
  'bn.num_batches_tracked': ['{bn}.num_batches_tracked'],
} as const;

const BLOB_TENSORS = { weight: ['{layer}/0'], bias: ['{layer}/1'] } as const;

const FCN_HEADS = {
  fc6: 'fc6',
  fc7: 'fc7',
  score_fr: 'score_fr',
  upscore2: 'upscore2',
  score_pool4: 'score_pool4',
  upscore_pool4: 'upscore_pool4',
  score_pool3: 'score_pool3',
  upscore8: 'upscore8',
  upscore16: 'upscore16',
  upscore: 'upscore',
} as const;

/** Every layout pixelwise reads, in the order ties are broken. */
export const MAPPINGS: readonly WeightMapping[] = Object.freeze([
  {
    id: 'torchvision',
    title: "torchvision's VGG (vgg16, vgg19, vgg16_bn, vgg19_bn state dicts)",
    formats: ['pytorch-zip', 'pytorch-legacy', 'safetensors', 'npz'],
    conv: 'features.{features}',
    bn: 'features.{bn}',
    heads: { fc6: 'classifier.0', fc7: 'classifier.3', fc8: 'classifier.6' },
    tensors: TORCH_TENSORS,
    match: 'exact',
    layout: 'torch',
    normalization: 'imagenet',
    classes: 'imagenet',
    family: 'vgg',
    source: 'https://download.pytorch.org/models/vgg16-397923af.pth (vgg19-dcbb9e9d.pth, vgg16_bn-6c64b313.pth, vgg19_bn-c79401a0.pth)',
  },
  {
    id: 'pytorch-fcn',
    title: "pytorch-fcn's FCN32s/16s/8s (wkentaro/pytorch-fcn, converted from the Caffe releases)",
    formats: ['pytorch-zip', 'pytorch-legacy', 'safetensors'],
    conv: 'conv{b}_{i}',
    heads: FCN_HEADS,
    tensors: { weight: ['{layer}.weight'], bias: ['{layer}.bias'] },
    match: 'exact',
    layout: 'torch',
    normalization: 'caffe',
    classes: 'voc',
    family: 'fcn',
    source: "torchfcn.models.FCN8s.download() etc.: fcn32s_from_caffe.pth, fcn16s_from_caffe.pth, fcn8s_from_caffe.pth",
  },
  {
    id: 'pytorch-fcn-atonce',
    title: "pytorch-fcn's FCN8sAtOnce (its forward scales pool4 by 0.01 and pool3 by 0.0001; only chosen with --mapping)",
    formats: [],
    conv: 'conv{b}_{i}',
    heads: FCN_HEADS,
    tensors: { weight: ['{layer}.weight'], bias: ['{layer}.bias'] },
    match: 'exact',
    layout: 'torch',
    scale: { score_pool4: 0.01, score_pool3: 0.0001 },
    normalization: 'caffe',
    classes: 'voc',
    family: 'fcn',
    source: 'torchfcn.models.FCN8sAtOnce.download(): fcn8s-atonce_from_caffe.pth',
  },
  {
    id: 'keras',
    title: 'Keras applications VGG16/VGG19 (.h5, weights-only or whole model; Keras 1 and 2 names)',
    formats: ['keras-h5'],
    conv: 'block{b}_conv{i}',
    heads: { fc6: 'fc1', fc7: 'fc2', fc8: 'predictions' },
    tensors: { weight: ['{layer}_W_1:0', '{layer}_W:0', '{layer}/kernel:0'], bias: ['{layer}_b_1:0', '{layer}_b:0', '{layer}/bias:0'] },
    match: 'suffix',
    layout: 'tf',
    normalization: 'keras-caffe',
    classes: 'imagenet',
    family: 'vgg',
    source: 'https://github.com/fchollet/deep-learning-models/releases/download/v0.1/vgg16_weights_tf_dim_ordering_tf_kernels.h5 (also _notop, vgg19_...)',
  },
  {
    id: 'tf-slim',
    title: "TF-slim's vgg_16 / vgg_19 checkpoints (2016)",
    formats: ['tf-v1', 'tf-bundle'],
    conv: 'vgg_{depth}/conv{b}/conv{b}_{i}',
    heads: { fc6: 'vgg_{depth}/fc6', fc7: 'vgg_{depth}/fc7', fc8: 'vgg_{depth}/fc8' },
    tensors: { weight: ['{layer}/weights'], bias: ['{layer}/biases'] },
    match: 'exact',
    layout: 'tf',
    ignore: ['global_step', 'mean_rgb', '/Momentum$', '/ExponentialMovingAverage$', '/Adam(_1)?$', '/RMSProp(_1)?$'],
    normalization: 'vgg',
    classes: 'imagenet',
    family: 'vgg',
    source: 'http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz (vgg_16.ckpt; vgg_19_2016_08_28.tar.gz)',
  },
  {
    id: 'tensorflow-vgg',
    title: "tensorflow-vgg's vgg16.npy / vgg19.npy (machrisaa/tensorflow-vgg)",
    formats: ['npy-pickle'],
    conv: 'conv{b}_{i}',
    heads: { fc6: 'fc6', fc7: 'fc7', fc8: 'fc8' },
    tensors: BLOB_TENSORS,
    match: 'exact',
    layout: 'tf',
    normalization: 'keras-caffe',
    classes: 'imagenet',
    family: 'vgg',
    source: 'vgg16.npy / vgg19.npy linked from https://github.com/machrisaa/tensorflow-vgg',
  },
  {
    id: 'caffe-vgg',
    title: "the VGG team's Caffe models (VGG_ILSVRC_16_layers.caffemodel, VGG_ILSVRC_19_layers)",
    formats: ['caffe'],
    conv: 'conv{b}_{i}',
    heads: { fc6: 'fc6', fc7: 'fc7', fc8: 'fc8' },
    tensors: BLOB_TENSORS,
    match: 'exact',
    layout: 'torch',
    normalization: 'keras-caffe',
    classes: 'imagenet',
    family: 'vgg',
    source: 'http://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/VGG_ILSVRC_16_layers.caffemodel (the Caffe Model Zoo)',
  },
  {
    id: 'caffe-fcn',
    title: 'the FCN authors\' Caffe releases (fcn32s/16s/8s-heavy-pascal, fcn8s-atonce-pascal, PASCAL-Context, NYUDv2)',
    formats: ['caffe'],
    conv: 'conv{b}_{i}',
    heads: FCN_HEADS,
    tensors: BLOB_TENSORS,
    match: 'exact',
    layout: 'torch',
    scale: { score_pool4: 'scale_pool4/0', score_pool3: 'scale_pool3/0' },
    normalization: 'caffe',
    classes: 'voc',
    family: 'fcn',
    source: 'http://dl.caffe.berkeleyvision.org/fcn8s-heavy-pascal.caffemodel (fcn16s-heavy-pascal, fcn32s-heavy-pascal, fcn8s-atonce-pascal; see each model folder\'s caffemodel-url in shelhamer/fcn.berkeleyvision.org)',
  },
] satisfies WeightMapping[]);

/** The mapping of this id (an error listing the ids otherwise). */
export function mappingById(id: string): WeightMapping {
  const m = MAPPINGS.find((x) => x.id === id);
  if (!m) throw new Error(`unknown weight mapping '${id}', expected one of ${MAPPINGS.map((x) => x.id).join(', ')}`);
  return m;
}
