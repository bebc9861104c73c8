// pixelwise/inspect: seeing what a network does — its layers, filters, activations, binary
// thresholds, latent space, training curves, and VGG classification — as pictures. (Models come
// from pixelwise/checkpoint's loadCheckpointModel or infer's loadPredictor.)
//
//   const { model } = loadCheckpointModel('run/checkpoints/best.safetensors');
//   console.log(formatLayers(listLayers(model)));
//   writePng('filters.png', filterImage(layerKernels(model, 'encoder.0.conv1')));
export { listLayers, findLayer, formatLayers, ownWeight, type LayerInfo } from './layers.js';
export { predictImage, type PredictionMaps } from './prediction.js';
export { panelSheet, type Panel, type PanelSheetOptions } from './panels.js';
export { layerKernels, filterImage, hasKernels, type LayerKernels } from './filters.js';
export { layerActivation, activationStats, activationView, type LayerActivation, type ActivationViewOptions } from './activations.js';
export { binarise, probabilityView } from './threshold.js';
export { sampleSheet, loadSamples, type SampleSheetOptions } from './samples.js';
export { asLatent2d, encodeSamples, decodePoint, latentFigure, type LatentCodes, type LatentFigureOptions } from './latent.js';
export { readRunMetrics, runCurves, runModelName } from './curves.js';
export { resizeAndCenterCrop, classifyImage, scoreMap, coarseLabels, upsampledLabels } from './classify.js';
export { readMask } from './mask.js';
