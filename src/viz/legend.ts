// Segmentation maps with a class-name colour bar: the tutorials' discrete_matshow, and an
// image | ground truth | prediction panel sharing one legend.
import type { RawImage } from '../image/types.js';
import type { ColorLike, Rgb } from '../image/color.js';
import { checkImage } from '../image/convert.js';
import { resizeImage } from '../image/resize.js';
import { measureText } from './font.js';
import { displaySize } from './display.js';
import { drawLegend, measureLegend, type LegendEntry } from './legend-box.js';
import { checkMap } from '../image/maps.js';
import type { LabelMap } from '../image/types.js';
import { colorizeLabels, overlay, resolvePalette } from './overlay.js';
import { IGNORE_WHITE, qualitativePalette, type Palette, type PaletteKind } from '../image/palette.js';
import { rasterize } from './raster.js';
import { SvgSurface } from './svg.js';

/** Class names indexed by the original label, or a function of it. */
export type ClassNames = readonly string[] | Readonly<Record<number, string>> | ((label: number) => string | undefined);

function nameOf(names: ClassNames | undefined, label: number): string | undefined {
  if (!names) return undefined;
  return typeof names === 'function' ? names(label) : (names as Record<number, string>)[label];
}

/** np.unique(labels, return_inverse=True): the classes present (ascending) and each pixel's index among them (-1 for ignore). */
export function relabel(labels: LabelMap, ignoreIndex?: number): { classes: number[]; relabelled: LabelMap } {
  checkMap(labels, 'relabel labels');
  const seen = new Set<number>();
  for (let i = 0; i < labels.data.length; i++) seen.add(labels.data[i]!);
  if (ignoreIndex !== undefined) seen.delete(ignoreIndex);
  const classes = [...seen].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  const out = new Int32Array(labels.data.length);
  for (let i = 0; i < out.length; i++) out[i] = index.get(labels.data[i]!) ?? -1;
  return { classes, relabelled: { width: labels.width, height: labels.height, data: out } };
}

const truncate = (text: string, max: number) => (text.length > max ? text.slice(0, max - 3) + '...' : text);

export interface MatshowOptions {
  /** Names by original label; the colour bar shows `id name`. */
  names?: ClassNames;
  /**
   * The id beside each name: 'present' (default) numbers the present classes 0..k-1, as the
   * tutorials' discrete_matshow does; 'label' shows the class's own label value (a prediction's
   * true class id, as inspect samples and the demo's panels show it).
   */
  ids?: 'present' | 'label';
  title?: string;
  /**
   * Colours by original label (stable across images, e.g. 'voc'). Without it the present classes
   * are coloured in order from a qualitative palette, as discrete_matshow does.
   */
  palette?: Palette | PaletteKind;
  ignoreIndex?: number;
  ignoreColor?: ColorLike;
  /** Size the map is drawn at; default: upscaled to >= 256 px, at most 512 px on the longer side. */
  width?: number;
  height?: number;
  /** Text scale of the colour bar labels (font.ts); default 2. */
  fontScale?: number;
  /** Longest class name shown before it is cut with '...'; default 40. */
  maxNameLength?: number;
}

/** The present classes of a label map with the colour and the text discreteMatshow's colour bar gives each. */
export function matshowLegend(labels: LabelMap, options: MatshowOptions = {}): { classes: number[]; relabelled: LabelMap; colors: Rgb[]; texts: string[] } {
  const { classes, relabelled } = relabel(labels, options.ignoreIndex);
  const byOriginal = options.palette !== undefined;
  const palette = byOriginal ? resolvePalette(labels, options.palette, options.ignoreIndex) : qualitativePalette(Math.max(1, classes.length));
  const colors: Rgb[] = classes.map((c, i) => {
    const color = byOriginal ? palette[c] : palette[i];
    if (!color) throw new Error(`label ${c} has no colour: the palette has ${palette.length} entries`);
    return color;
  });
  const maxName = options.maxNameLength ?? 40;
  const trueIds = options.ids === 'label';
  const texts = classes.map((c, i) => {
    const name = nameOf(options.names, c);
    const id = trueIds ? c : i;
    return truncate(name !== undefined ? `${id} ${name}` : options.names ? `${id} class ${c}` : String(c), maxName);
  });
  return { classes, relabelled, colors, texts };
}

/**
 * A label map with only its present classes, relabelled 0..k-1, next to a colour bar listing
 * `index name` for each of them, under a bold title.
 * @example
 *   writePng('map.png', discreteMatshow(prediction, { names: classNames, title: 'Segmentation' }));
 */
export function discreteMatshow(labels: LabelMap, options: MatshowOptions = {}): RawImage {
  const { classes, relabelled, colors, texts } = matshowLegend(labels, options);
  // Colour lookup by relabelled index; -1 (ignore) gets the ignore colour.
  const lut: Palette = colors;
  const rgb = colorizeLabels(relabelled, { palette: lut, ignoreIndex: -1, ignoreColor: options.ignoreColor ?? IGNORE_WHITE });
  const [w, h] = sizeFor(labels, options.width, options.height);

  const s = options.fontScale ?? 2;
  const pad = 12;
  const titleScale = s + 1;
  const titleBox = options.title ? measureText(options.title, { scale: titleScale, bold: true }) : null;
  const top = pad + (titleBox ? Math.ceil(titleBox.height + titleBox.descent) + 12 : 0);
  const text = measureText('Ag', { scale: s });
  const minBlock = Math.ceil(text.height + text.descent) + 6;
  const k = Math.max(1, classes.length);
  const block = Math.max(minBlock, Math.floor(h / k));
  const barWidth = Math.max(16, 8 * s);
  const barX = pad + w + 16;
  const labelX = barX + barWidth + Math.round(0.6 * text.height);
  const labelWidth = Math.max(0, ...texts.map((t) => measureText(t, { scale: s }).width));
  const barHeight = classes.length * block;
  const width = Math.ceil(Math.max(labelX + labelWidth + pad, titleBox ? titleBox.width + 2 * pad : 0));
  const height = top + Math.max(h, barHeight) + pad;

  const svg = new SvgSurface(width, height);
  if (options.title) svg.text(options.title, width / 2, pad, { scale: titleScale, bold: true, align: 'center' });
  svg.image(rgb, pad, top, w, h);
  svg.strokeRect(pad - 1, top - 1, w + 2, h + 2, [90, 90, 90]);
  colors.forEach((c, i) => {
    const y = top + i * block;
    svg.fillRect(barX, y, barWidth, block, c);
    svg.text(texts[i]!, labelX, y + block / 2, { scale: s, baseline: 'middle' });
  });
  if (classes.length) svg.strokeRect(barX - 1, top - 1, barWidth + 2, barHeight + 2, [90, 90, 90]);
  return rasterize(svg);
}

export interface SegmentationPanelOptions {
  names?: ClassNames;
  /** Colours by original label; default 'qualitative' sized to the largest label. */
  palette?: Palette | PaletteKind;
  ignoreIndex?: number;
  ignoreColor?: ColorLike;
  /** Default ['image', 'ground truth', 'prediction']. */
  titles?: readonly [string, string, string];
  title?: string;
  /** Blend truth and prediction over the image at this alpha instead of drawing them flat. */
  overlayAlpha?: number;
  /** Panel size; default the image's display size. */
  width?: number;
  height?: number;
  fontScale?: number;
}

/** image | ground truth | prediction, coloured alike, with one legend of every class in either map. */
export function segmentationPanel(image: RawImage, truth: LabelMap, prediction: LabelMap, options: SegmentationPanelOptions = {}): RawImage {
  checkImage(image, 'segmentationPanel image');
  checkMap(truth, 'segmentationPanel truth');
  checkMap(prediction, 'segmentationPanel prediction');
  const ignore = options.ignoreIndex;
  const present = new Set<number>();
  let max = 0;
  for (const m of [truth, prediction]) {
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i]!;
      if (v === ignore) continue;
      present.add(v);
      if (v > max) max = v;
    }
  }
  const palette = resolvePalette({ width: 1, height: 1, data: [max] }, options.palette ?? 'qualitative');
  const colorize = (m: LabelMap) => {
    if (options.overlayAlpha === undefined) {
      return colorizeLabels(m, { palette, ignoreIndex: ignore, ignoreColor: options.ignoreColor });
    }
    // Overlay needs matching sizes: the image at the map's resolution first.
    const base = image.width === m.width && image.height === m.height ? image : resizeImage(image, m.width, m.height, 'nearest');
    return overlay(base, m, { palette, ignoreIndex: ignore, ignoreColor: options.ignoreColor, alpha: options.overlayAlpha });
  };
  const [w, h] = sizeFor(image, options.width, options.height);
  const panels = [image, colorize(truth), colorize(prediction)];
  const titles = options.titles ?? ['image', 'ground truth', 'prediction'];
  const s = options.fontScale ?? 2;
  const entries: LegendEntry[] = [...present].sort((a, b) => a - b).map((c) => {
    const name = nameOf(options.names, c);
    const color = palette[c];
    if (!color) throw new Error(`label ${c} has no colour: the palette has ${palette.length} entries`);
    return { text: name !== undefined ? `${c} ${name}` : String(c), color };
  });

  const pad = 12, gap = 10;
  const text = measureText('Ag', { scale: s });
  const band = Math.ceil(text.height + text.descent) + 8;
  const heading = options.title ? measureText(options.title, { scale: s + 1, bold: true }) : null;
  const top = pad + (heading ? Math.ceil(heading.height + heading.descent) + 12 : 0);
  const cell = Math.ceil(Math.max(w, ...titles.map((t) => measureText(t, { scale: s }).width)));
  const legend = measureLegend(entries, { scale: s });
  const legendX = pad + 3 * cell + 2 * gap + 16;
  const width = Math.ceil(Math.max(legendX + legend.width + pad, heading ? heading.width + 2 * pad : 0));
  const height = top + band + Math.max(h, legend.height) + pad;
  const svg = new SvgSurface(width, height);
  if (options.title) svg.text(options.title, width / 2, pad, { scale: s + 1, bold: true, align: 'center' });
  panels.forEach((p, i) => {
    const x = pad + i * (cell + gap);
    svg.text(titles[i]!, x + cell / 2, top, { scale: s, align: 'center' });
    const px = x + Math.floor((cell - w) / 2);
    svg.image(p, px, top + band, w, h);
    svg.strokeRect(px - 1, top + band - 1, w + 2, h + 2, [90, 90, 90]);
  });
  drawLegend(svg, legendX, top + band, entries, { scale: s });
  return rasterize(svg);
}

function sizeFor(map: { width: number; height: number }, width?: number, height?: number): [number, number] {
  if (width === undefined && height === undefined) return displaySize(map.width, map.height, 256, 512);
  const w = width ?? Math.round((height! * map.width) / map.height);
  const h = height ?? Math.round((width! * map.height) / map.width);
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new Error(`display size ${w}x${h} must be positive integers`);
  return [w, h];
}
