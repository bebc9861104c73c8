// pixelwise/weights: foreign weight files mapped onto the zoo — torchvision and pytorch-fcn state
// dicts, Keras applications .h5, TF-slim checkpoints, tensorflow-vgg .npy, the VGG and FCN Caffe
// releases, pixelwise checkpoints — each layout a declarative table (mappings.ts); a report of
// what was mapped, missing, unused and mismatched; conversion to a pixelwise checkpoint.
//
//   const report = await loadWeights(createModel('fcn8s', { numClasses: 12 }), 'vgg_16.ckpt');
//   const { model, config } = await modelFromWeights('fcn8s-heavy-pascal.caffemodel');
export { loadWeights, applyMapping, formatReport, reportProblems, type WeightsReport, type MappedTensor, type LoadWeightsOptions } from './load.js';
export { modelFromWeights, convertWeights, defaultConvertPath, initPlan, type InitPlan, type WeightsModel, type WeightsModelOptions, type ConvertOptions, type ConvertResult } from './convert.js';
export { MAPPINGS, mappingById, type WeightMapping, type ClassTable } from './mappings.js';
export { resolveMapping, type ResolvedMapping, type SourceLayer } from './match.js';
export { describeWeights, modelOptionsFor, type WeightsDescription } from './describe.js';
export { resolveClasses, CLASS_TABLES, type ClassList } from './classes.js';
export { zooTargets, type TargetLayer, type ZooTargets } from './targets.js';
