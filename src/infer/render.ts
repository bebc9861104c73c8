// Predictions as pictures: palette label maps (exact indices), colour overlays, probability
// maps, and an input | prediction panel whose legend names the classes present.
import { createImage, type RawImage } from '../image/types.js';
import { encodePng } from '../image/png.js';
import { toRgb } from '../image/convert.js';
import { resizeImage } from '../image/resize.js';
import { displaySize } from '../viz/display.js';
import { discreteMatshow, matshowLegend, type MatshowOptions } from '../viz/legend.js';
import { overlay } from '../viz/overlay.js';
import { hconcat } from '../viz/panels.js';
import { rasterize } from '../viz/raster.js';
import { SvgSurface } from '../viz/svg.js';
import type { Prediction } from './predict.js';
import type { PredictorClasses } from './predictor.js';

/**
 * The label map as PNG bytes: an indexed PNG whose palette holds the class colours (so viewers
 * show colours and readLabelImage returns the exact class indices); 16-bit gray beyond 256 classes.
 */
export function labelsPng(prediction: Prediction, classes: PredictorClasses, name = 'labels'): Buffer {
  const { width, height, labels } = prediction;
  if (labels instanceof Uint16Array || classes.palette.length > 256) {
    return encodePng({ width, height, channels: 1, data: Uint16Array.from(labels) }, {}, name);
  }
  return encodePng({ width, height, channels: 1, data: labels }, { palette: classes.palette }, name);
}

/** Class colours blended over the image at `alpha` (0: image only, 1: colours only). */
export function overlayImage(image: RawImage, prediction: Prediction, classes: PredictorClasses, alpha = 0.5): RawImage {
  const map = { width: prediction.width, height: prediction.height, data: prediction.labels };
  return overlay(image, map, { palette: classes.palette, alpha });
}

/** The foreground probability of a one-output model as 8-bit gray (0..255 = 0..1). */
export function probabilityImage(prediction: Prediction): RawImage {
  if (prediction.planes !== 1) {
    throw new Error(`a probability map needs a one-output (binary) model; this prediction has ${prediction.planes} class planes`);
  }
  const out = createImage(prediction.width, prediction.height, 1);
  const p = prediction.probabilities;
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(Math.min(1, Math.max(0, p[i]!)) * 255);
  return out;
}

/** The image at display size: integer nearest upscaling for small images, area averaging to shrink. */
function displayImage(image: RawImage, width: number, height: number): RawImage {
  const rgb = toRgb(image, { background: 'white' });
  if (width >= rgb.width && height >= rgb.height) return rgb; // drawn scaled up by nearest neighbour
  return resizeImage(rgb, width, height, 'area');
}

/** Matches discreteMatshow's layout: the picture 12 px in from the top and left, framed. */
function framed(image: RawImage, width: number, height: number): RawImage {
  const pad = 12;
  const svg = new SvgSurface(width + 2 * pad, height + 2 * pad);
  svg.image(image, pad, pad, width, height);
  svg.strokeRect(pad - 1, pad - 1, width + 2, height + 2, [90, 90, 90]);
  return rasterize(svg);
}

// The prediction's legend numbers classes by their true ids (3 road, 5 tree), as inspect
// samples and the demo's panels do; never by their position among the classes present.
const legendOptions = (classes: PredictorClasses): MatshowOptions => ({ names: classes.names, palette: classes.palette, ids: 'label' });

/** The colour bar entries of a prediction panel: the classes present, each as 'id name' with its colour. */
export function predictionLegend(prediction: Prediction, classes: PredictorClasses): { text: string; color: [number, number, number] }[] {
  const map = { width: prediction.width, height: prediction.height, data: prediction.labels };
  const { texts, colors } = matshowLegend(map, legendOptions(classes));
  return texts.map((text, i) => ({ text, color: [...colors[i]!] as [number, number, number] }));
}

/** input | prediction side by side; the prediction in class colours with a colour bar naming the classes present by their ids. */
export function predictionPanel(image: RawImage, prediction: Prediction, classes: PredictorClasses, title?: string): RawImage {
  const [w, h] = displaySize(prediction.width, prediction.height, 256, 512);
  const map = { width: prediction.width, height: prediction.height, data: prediction.labels };
  const shown = discreteMatshow(map, { ...legendOptions(classes), width: w, height: h });
  const options = title ? { titles: ['input', 'prediction'], title } : { titles: ['input', 'prediction'] };
  return hconcat([framed(displayImage(image, w, h), w, h), shown], options);
}

/** input | reconstruction side by side (the autoencoder). */
export function reconstructionPanel(image: RawImage, reconstruction: RawImage, title?: string): RawImage {
  const [w, h] = displaySize(image.width, image.height, 256, 512);
  const panels = [framed(displayImage(image, w, h), w, h), framed(displayImage(reconstruction, w, h), w, h)];
  const options = title ? { titles: ['input', 'reconstruction'], title } : { titles: ['input', 'reconstruction'] };
  return hconcat(panels, options);
}
