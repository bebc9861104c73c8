// pixelwise/infer: a trained model over images of any size.
//
//   const predictor = loadPredictor('run/checkpoints/best.safetensors');
//   const image = await readImage('street.jpg');
//   const prediction = predict(predictor, image, { tile: 512 }); // labels, probabilities, classesPresent
//   writeFileSync('street.labels.png', labelsPng(prediction, predictor.classes));
//   predictor.dispose();
export { loadPredictor, createPredictor, type Predictor, type PredictorClasses, type PredictorOptions } from './predictor.js';
export { predict, reconstruct, modelInput, outputToImage, type PredictOptions, type Prediction } from './predict.js';
export { planInput, windowPadding, gridAlignment, DEFAULT_PAD_MODE, type InputPlan, type PlanOptions, type ScaleMode } from './geometry.js';
export { axisStarts, tileWindows, rampWeights, axisWeights, defaultOverlap, type Window } from './tiles.js';
export { labelsPng, overlayImage, probabilityImage, predictionPanel, reconstructionPanel } from './render.js';
export { collectImages, IMAGE_EXTENSIONS, type InputImage } from './inputs.js';
export { OutputDir } from './output-dir.js';
export { scoreFullResolution, type FullResolutionOptions } from './score.js';
export { predictImages, PredictionStopped, OUTPUT_KINDS, type OutputKind, type PredictRunOptions, type PredictRunResult, type ImageSummary } from './run.js';
