// One layer's output for one input, channel by channel (the TGS salt tutorial's layer_output
// viewer), above the input and what the model predicts for it.
import { tidy, type Tensor } from '../torch/index.js';
import type { RawImage } from '../image/types.js';
import { captureActivations } from '../models/summary.js';
import type { ZooModel } from '../models/contract.js';
import { activationGrid } from '../viz/grid.js';
import type { LabelMap } from '../image/types.js';
import type { Palette } from '../image/palette.js';
import { vconcat } from '../viz/panels.js';
import { findLayer } from './layers.js';
import { panelSheet, type Panel } from './panels.js';
import type { PredictionMaps } from './prediction.js';

export interface LayerActivation {
  layer: string;
  type: string;
  /** (C, H, W) */
  shape: [number, number, number];
  data: Float32Array;
}

/**
 * The output of layer `name` when the model runs on `input` (1, C, H, W).
 * @example
 *   const a = layerActivation(model, modelInput(predictor, image), 'encoder.2.relu2');
 *   writePng('activations.png', activationView(a, { image, prediction: predictImage(predictor, image) }));
 */
export function layerActivation(model: ZooModel, input: Tensor, name: string): LayerActivation {
  const m = findLayer(model, name);
  const captured = captureActivations(model, input, [name]);
  const out = captured.get(name)!;
  try {
    if (out.ndim !== 4) {
      throw new Error(`layer '${name}' (${m.typeName}) outputs [${out.shape.join(', ')}], not feature maps (N, C, H, W); pick a convolutional layer`);
    }
    const [, c, h, w] = out.shape as [number, number, number, number];
    const data = tidy(() => out.narrow(0, 0, 1).float().data() as Float32Array);
    return { layer: name, type: m.typeName, shape: [c, h, w], data };
  } finally {
    for (const t of captured.values()) t.dispose();
  }
}

/** Summary numbers of an activation, for the command line. */
export function activationStats(a: LayerActivation): { min: number; max: number; mean: number; zeroFraction: number } {
  let min = Infinity, max = -Infinity, sum = 0, zeros = 0;
  for (const v of a.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
  }
  return { min, max, mean: sum / a.data.length, zeroFraction: zeros / a.data.length };
}

export interface ActivationViewOptions {
  image: RawImage;
  prediction: PredictionMaps;
  truth?: LabelMap;
  names?: readonly string[];
  palette?: Palette;
  ignoreIndex?: number | null;
  /** Channels to draw; default the first 64. */
  channels?: readonly number[];
}

/** input | [mask] | prediction over the layer's channel grid. */
export function activationView(a: LayerActivation, o: ActivationViewOptions): RawImage {
  const panels: Panel[] = [{ title: 'input', image: o.image }];
  if (o.truth) panels.push({ title: 'mask', labels: o.truth });
  if (o.prediction.reconstruction) panels.push({ title: 'reconstruction', image: o.prediction.reconstruction });
  else if (o.prediction.labels) panels.push({ title: 'prediction', labels: o.prediction.labels });
  const top = panelSheet(panels, { names: o.names, palette: o.palette, ignoreIndex: o.ignoreIndex });
  const [c, h, w] = a.shape;
  const tiles = activationGrid(a.data, a.shape, { channels: o.channels, title: `${a.layer} (${a.type}) ${c}x${h}x${w}` });
  return vconcat([top, tiles], { padding: 4, gap: 4 });
}
