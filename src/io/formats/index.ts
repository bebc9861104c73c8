// Foreign weight files (PyTorch, Keras, Caffe, TensorFlow, NumPy, safetensors) read into one
// uniform shape; the mapping onto pixelwise's models lives above (weights/).
export { detectWeightFormat, openWeights } from './detect.js';
export type { WeightData, WeightDType, WeightFile, WeightFormat, WeightLayer, WeightTensor } from './types.js';
export { bytesAs, mapBytes } from './mapped.js';
