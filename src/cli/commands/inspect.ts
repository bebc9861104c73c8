// pixelwise inspect <what>: pictures of what a trained network does — its layers, filters,
// activations, binary thresholds, latent space, training curves — and of the data it learns from.
import { commandGroup } from '../command.js';
import { activations } from './inspect/activations.js';
import { curves } from './inspect/curves.js';
import { filters } from './inspect/filters.js';
import { latent } from './inspect/latent.js';
import { layers } from './inspect/layers.js';
import { samples } from './inspect/samples.js';
import { threshold } from './inspect/threshold.js';

export const inspect = commandGroup({
  name: 'inspect',
  summary: 'layers, filters, activations, thresholds, samples, latent space, curves',
  placeholder: 'what',
  description: 'Pictures of what a network does (PNG; charts also as SVG beside the PNG).',
  subcommands: [layers, filters, activations, threshold, samples, latent, curves],
});
