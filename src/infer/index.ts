// pixelwise/infer: a trained model over images of any size — the training preprocessing, the
// scale it learned, padding to what the model accepts (its contract), optional sliding windows,
// results at full resolution — and the files `pixelwise predict` writes.
//
//   const predictor = loadPredictor('run/checkpoints/best.safetensors');
//   const photo = await readImage('street.jpg');
//   const prediction = predict(predictor, photo, { tile: 512 }); // labels, probabilities, classesPresent
//   writeFileSync('street.labels.png', labelsPng(prediction, predictor.classes));
//   predictor.dispose();
export { loadPredictor, createPredictor, type Predictor, type PredictorClasses, type PredictorOptions } from './predictor.js';
export { predict, reconstruct, modelInput, outputToImage, type PredictOptions, type Prediction } from './predict.js';
export { planInput, gridAlignment, type InputPlan, type PlanOptions, type PlanTarget, type ScaleMode } from './geometry.js';
export { labelsPng, overlayImage, probabilityImage, predictionLegend, predictionPanel, reconstructionPanel } from './render.js';
export { collectImages, type InputImage } from './inputs.js';
export { scoreFullResolution, type FullResolutionOptions } from './score.js';
export { predictImages, libtorchImagePredictor, type PredictRunOptions } from './run.js';
export { predictImageFiles, PredictionStopped, OUTPUT_KINDS, type OutputKind, type ImagePredictor, type ImageRunOptions, type PredictRunResult, type ImageSummary } from './run-images.js';
