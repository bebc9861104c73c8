// pixelwise/models: the zoo — VGG, FCN-32s/16s/8s, U-Net, the convolutional autoencoder — each
// stating its contract (task, classes, input sizes, output activation, feature stages), the
// registry that builds them by name, summaries and activation capture, VGG helpers.
//
//   const model = createModel('fcn8s', { numClasses: 21 });
//   model.contract.outputStride;              // 32
//   console.log(formatSummary(summary(model, [1, 3, 224, 224])));
export { createModel, createModelFromConfig, isModelName, MODEL_NAMES, MODELS, type ModelName, type ModelOptions, type ModelOf } from './registry.js';
export type { ZooModel, ModelContract, ModelTask, OutputActivation, FeatureStage, ModelDefinition } from './contract.js';
export { summary, formatSummary, countParameters, captureActivations, type ModelSummary, type SummaryRow, type ParameterCount } from './summary.js';
export { VGG, vgg16, vgg19, VGG_BLOCKS, POOL_NAMES, type VggOptions, type VggConfig, type VggDepth, type VggPools, type PoolName } from './vgg.js';
export { FCN, FCN32s, FCN16s, FCN8s, FCN8sSame, fcn32s, fcn16s, fcn8s, initFromVgg, type FcnOptions, type FcnConfig, type FcnBackbone, type FcnVariant, type FcnStride } from './fcn.js';
export { VggUNet, type VggUNetOptions, type VggUNetConfig, type UNetEncoder } from './unet-vgg.js';
export { UNet, padToMultiple, type UNetOptions, type UNetConfig, type UNetVariant, type UpMode, type ValidPadding } from './unet.js';
export { ConvAutoencoder, asAutoencoder, type ConvAutoencoderOptions, type ConvAutoencoderConfig, type LatentInput } from './autoencoder.js';
export { vggInput } from './preprocessing.js';
export { topK, coarseSegmentation, type ClassScore, type SegmentClass, type CoarseSegmentation } from './imagenet-predictions.js';
export { loadVggWeights, type LoadVggWeightsOptions } from './vgg-weights.js';
