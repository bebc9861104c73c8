// The model zoo: VGG, FCN-32s/16s/8s, U-Net, the convolutional autoencoder, and the tools
// around them (registry, summaries, activation capture, crop geometry, VGG helpers).
export * from './registry.js';
export * from './contract.js';
export * from './summary.js';
export * from './vgg.js';
export * from './fcn.js';
export * from './unet.js';
export * from './autoencoder.js';
export * from './fusion.js';
export * from './coord-map.js';
export * from './preprocessing.js';
export * from './imagenet-predictions.js';
export { loadVggWeights, type LoadVggWeightsOptions } from './vgg-weights.js';
