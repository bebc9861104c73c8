// pixelwise/inspect: seeing what a network does — its layers, filters, activations, binary
// thresholds, latent space, training curves, and VGG classification — as pictures.
export { loadCheckpointModel, modelInChannels, type LoadedModel } from './checkpoint-model.js';
export { listLayers, findLayer, formatLayers, ownWeight, type LayerInfo } from './layers.js';
export { prepareModelInput, toSourceGeometry, type InputGeometry, type ModelInput } from './model-input.js';
export { predictInput, predictImage, outputToImage, type PredictionMaps } from './prediction.js';
export { panelSheet, type Panel, type PanelSheetOptions } from './panels.js';
export { layerKernels, filterImage, hasKernels, type LayerKernels } from './filters.js';
export { layerActivation, activationStats, activationView, type LayerActivation, type ActivationViewOptions } from './activations.js';
export { thresholdSweep, binarise, probabilityView, SWEEP_THRESHOLDS } from './threshold.js';
export { sampleSheet, loadSamples, toRawImage, type SampleSheetOptions } from './samples.js';
export { asLatent2d, encodeSamples, decodePoint, latentFigure, type LatentCodes, type LatentFigureOptions } from './latent.js';
export { readRunMetrics, runCurves, runModelName } from './curves.js';
export { vggOptionsFromFile } from './vgg-file.js';
export { resizeAndCenterCrop, rgbImage, classifyImage, scoreMap, coarseLabels, upsampledLabels } from './classify.js';
export { readMask } from './mask.js';
