// Model options on the command line, named as createModel's options (kebab-case).
import { choice, flag, num, str, UsageError, type OptionSpecs, type Parsed } from './args.js';

export const modelOptionSpecs: OptionSpecs = {
  backbone: { type: 'string', help: 'B  fcn*: vgg16 (default) or vgg19' },
  variant: { type: 'string', help: "V  fcn8s: 'same' (Keras 'same' layers, inputs multiple of 32); unet: 'tgs' (the TGS salt U-Net: 1 channel, 1 output, 16 filters)" },
  depth: { type: 'string', help: 'N  unet: poolings (default 4; inputs must be multiples of 2^N)' },
  encoder: { type: 'string', help: 'E  unet: a VGG encoder, vgg16 or vgg19 (pretrained VGG weights load into it; inputs multiple of 32)' },
  'base-width': { type: 'string', help: 'N  channels of the first level (vgg/fcn 64, unet 64, cae 32)' },
  'batch-norm': { type: 'boolean', help: 'BatchNorm after convolutions (unet default; vgg/fcn: the _bn backbones)' },
  'no-batch-norm': { type: 'boolean', help: 'no BatchNorm (unet)' },
  dropout: { type: 'string', help: 'P  dropout probability (fcn fc6/fc7 default 0.5; unet bottleneck default 0)' },
  'up-mode': { type: 'string', help: 'M  unet up path: transpose (default) or bilinear' },
  'latent-dim': { type: 'string', help: 'N  cae: size of the latent code (default 2)' },
  'freeze-backbone': { type: 'boolean', help: "fcn*: keep the VGG backbone fixed (default for fcn8s --variant same, as in the Keras lecture)" },
  'no-freeze-backbone': { type: 'boolean', help: "fcn*: train the VGG backbone (fcn8s --variant same included)" },
  'fixed-upsampling': { type: 'boolean', help: 'fcn*: keep the transposed convolutions at their bilinear initialisation' },
};

/** createModel options from the flags that were given (the rest keep the model's defaults). */
export function modelOptionsFromArgs(args: Parsed): Record<string, unknown> {
  if (flag(args, 'batch-norm') && flag(args, 'no-batch-norm')) throw new UsageError('give --batch-norm or --no-batch-norm, not both');
  if (flag(args, 'freeze-backbone') && flag(args, 'no-freeze-backbone')) throw new UsageError('give --freeze-backbone or --no-freeze-backbone, not both');
  const options: Record<string, unknown> = {
    backbone: choice(args, 'backbone', ['vgg16', 'vgg19'] as const),
    variant: str(args, 'variant'),
    depth: num(args, 'depth', { min: 1, max: 8, integer: true }),
    encoder: choice(args, 'encoder', ['vgg16', 'vgg19'] as const),
    baseWidth: num(args, 'base-width', { min: 1, integer: true }),
    batchNorm: flag(args, 'batch-norm') ? true : flag(args, 'no-batch-norm') ? false : undefined,
    dropout: num(args, 'dropout', { min: 0, max: 1 }),
    upMode: choice(args, 'up-mode', ['transpose', 'bilinear'] as const),
    latentDim: num(args, 'latent-dim', { min: 1, integer: true }),
    freezeBackbone: flag(args, 'freeze-backbone') ? true : flag(args, 'no-freeze-backbone') ? false : undefined,
    learnableUpsampling: flag(args, 'fixed-upsampling') ? false : undefined,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
