// pixelwise/inspect: seeing what a network does — its layers, filters, activations, binary
// thresholds, latent space, training curves, and VGG classification — as pictures.
// Loading a checkpoint's model, its input channels and output pixels belong to train and infer;
// inspection names them too.
export { loadCheckpointModel, type LoadedModel } from '../checkpoint/load-model.js';
export { outputToImage } from '../infer/predict.js';
export { listLayers, findLayer, formatLayers, ownWeight, type LayerInfo } from './layers.js';
export { predictImage, type PredictionMaps } from './prediction.js';
export { panelSheet, type Panel, type PanelSheetOptions } from './panels.js';
export { layerKernels, filterImage, hasKernels, type LayerKernels } from './filters.js';
export { layerActivation, activationStats, activationView, type LayerActivation, type ActivationViewOptions } from './activations.js';
export { binarise, probabilityView } from './threshold.js';
export { sampleSheet, loadSamples, type SampleSheetOptions } from './samples.js';
export { asLatent2d, encodeSamples, decodePoint, latentFigure, type LatentCodes, type LatentFigureOptions } from './latent.js';
export { readRunMetrics, runCurves, runModelName } from './curves.js';
export { vggOptionsFromFile } from './vgg-file.js';
export { resizeAndCenterCrop, classifyImage, scoreMap, coarseLabels, upsampledLabels } from './classify.js';
export { readMask } from './mask.js';
