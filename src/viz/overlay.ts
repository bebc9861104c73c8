// Label maps and masks drawn on their own or blended over the image they describe.
import { createImage, type RawImage } from '../image/types.js';
import { parseColor, type ColorLike, type Rgb } from '../image/color.js';
import { applyColormap, type ColormapName } from './colormap.js';
import { toRgb } from '../image/convert.js';
import { checkMap } from '../image/maps.js';
import type { LabelMap, ScalarMap } from '../image/types.js';
import { IGNORE_WHITE, paletteFor, type Palette, type PaletteKind } from '../image/palette.js';

export interface ColorizeOptions {
  /** Colours per class index, or a palette kind sized to the largest label; default 'voc'. */
  palette?: Palette | PaletteKind;
  /** Label drawn in `ignoreColor` instead of its palette colour (e.g. 255 in VOC). */
  ignoreIndex?: number;
  /** Default white. */
  ignoreColor?: ColorLike;
}

/** Resolves a palette option to concrete colours covering every label in `labels`. */
export function resolvePalette(labels: LabelMap, palette: Palette | PaletteKind = 'voc', ignoreIndex?: number): Palette {
  if (typeof palette !== 'string') return palette;
  let max = 0;
  for (let i = 0; i < labels.data.length; i++) {
    const v = labels.data[i]!;
    if (v !== ignoreIndex && v > max) max = v;
  }
  return paletteFor(max + 1, palette);
}

/** A lookup from label value to colour that names the offending value when it has none. */
function colorLookup(labels: LabelMap, options: ColorizeOptions): (label: number) => Rgb {
  const palette = resolvePalette(labels, options.palette, options.ignoreIndex);
  const ignore = parseColor(options.ignoreColor ?? IGNORE_WHITE);
  const ignoreRgb: Rgb = [ignore[0], ignore[1], ignore[2]];
  return (label) => {
    if (label === options.ignoreIndex) return ignoreRgb;
    const c = palette[label];
    if (!c) {
      throw new Error(`label ${label} has no colour: the palette has ${palette.length} entries` +
        (options.ignoreIndex === undefined ? ' (pass ignoreIndex if it marks void pixels)' : ''));
    }
    return c;
  };
}

/** An RGB image with each pixel in its class colour. */
export function colorizeLabels(labels: LabelMap, options: ColorizeOptions = {}): RawImage {
  checkMap(labels, 'colorizeLabels labels');
  const colorOf = colorLookup(labels, options);
  const out = createImage(labels.width, labels.height, 3);
  for (let i = 0; i < labels.data.length; i++) {
    const c = colorOf(labels.data[i]!);
    out.data[3 * i] = c[0];
    out.data[3 * i + 1] = c[1];
    out.data[3 * i + 2] = c[2];
  }
  return out;
}

/** 1 on both pixels of every 4-neighbour pair with different labels: each region gets its own one-pixel rim. */
export function labelBoundaries(labels: LabelMap): Uint8Array {
  checkMap(labels, 'labelBoundaries labels');
  const { width, height, data } = labels;
  const edge = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = data[i]!;
      if (x + 1 < width && data[i + 1] !== v) edge[i] = edge[i + 1] = 1;
      if (y + 1 < height && data[i + width] !== v) edge[i] = edge[i + width] = 1;
    }
  }
  return edge;
}

export interface OverlayOptions extends ColorizeOptions {
  /** Weight of the label colour: 0 shows the image, 1 the labels. Default 0.5. */
  alpha?: number;
  /** Labels left uncoloured so the image shows through (e.g. [0] for background). */
  transparentLabels?: readonly number[];
  /** Draw region outlines opaquely: true uses each class colour, a colour draws them all in it. */
  outline?: boolean | ColorLike;
  /** Skip the fill and draw only outlines (implies outline). */
  outlineOnly?: boolean;
}

/**
 * Blends class colours over `image` (labels at `alpha`); ignore pixels keep the image unless ignoreColor is set.
 * @example
 *   writePng('overlay.png', overlay(photo, labels, { palette: camvidPalette(), alpha: 0.5 }));
 */
export function overlay(image: RawImage, labels: LabelMap, options: OverlayOptions = {}): RawImage {
  const base = toRgb(image, { background: 'white' });
  checkMap(labels, 'overlay labels');
  checkSameSize(base, labels, 'overlay');
  const alpha = checkAlpha(options.alpha ?? 0.5);
  const colorOf = colorLookup(labels, options);
  const skip = new Set(options.transparentLabels ?? []);
  if (options.ignoreIndex !== undefined && options.ignoreColor === undefined) skip.add(options.ignoreIndex);
  const out = createImage(base.width, base.height, 3);
  const outline = options.outline ?? options.outlineOnly ?? false;
  const edges = outline ? labelBoundaries(labels) : null;
  const outlineColor = typeof outline === 'boolean' ? null : parseColor(outline);
  for (let i = 0; i < labels.data.length; i++) {
    const label = labels.data[i]!;
    const o = 3 * i;
    let a = options.outlineOnly || skip.has(label) ? 0 : alpha;
    let c: readonly number[] = a > 0 ? colorOf(label) : [0, 0, 0];
    if (edges && edges[i] && !skip.has(label)) {
      a = 1;
      c = outlineColor ?? colorOf(label);
    }
    for (let k = 0; k < 3; k++) out.data[o + k] = Math.round(base.data[o + k]! * (1 - a) + c[k]! * a);
  }
  return out;
}

export interface MaskOverlayOptions {
  /** Default a strong blue. */
  color?: ColorLike;
  /** Default 0.5. */
  alpha?: number;
  /** Mask values above this count as foreground; default 0.5 (so 0/1 masks and probabilities both work). */
  threshold?: number;
  /** Also draw the mask's outline opaquely in `color`. */
  outline?: boolean;
}

/** Tints the foreground of a binary (or probability) mask in one colour over `image`. */
export function overlayMask(image: RawImage, mask: ScalarMap | LabelMap, options: MaskOverlayOptions = {}): RawImage {
  const base = toRgb(image, { background: 'white' });
  checkMap(mask, 'overlayMask mask');
  checkSameSize(base, mask, 'overlayMask');
  const alpha = checkAlpha(options.alpha ?? 0.5);
  const threshold = options.threshold ?? 0.5;
  const c = parseColor(options.color ?? [30, 100, 220]);
  const fg = new Uint8Array(mask.data.length);
  for (let i = 0; i < fg.length; i++) fg[i] = mask.data[i]! > threshold ? 1 : 0;
  const edges = options.outline ? labelBoundaries({ width: mask.width, height: mask.height, data: fg }) : null;
  const out = createImage(base.width, base.height, 3);
  for (let i = 0; i < fg.length; i++) {
    const a = edges && edges[i] && fg[i] ? 1 : fg[i] ? alpha : 0;
    for (let k = 0; k < 3; k++) out.data[3 * i + k] = Math.round(base.data[3 * i + k]! * (1 - a) + c[k]! * a);
  }
  return out;
}

export interface HeatmapOverlayOptions {
  /** Default 'blues' (what matplotlib's cmap='Blues' gives a mask). */
  map?: ColormapName;
  /** Default 0.5. */
  alpha?: number;
  min?: number;
  max?: number;
}

/** Blends a colour-mapped value map over the whole image, like imshow(image); imshow(mask, cmap, alpha). */
export function overlayHeatmap(image: RawImage, values: ScalarMap, options: HeatmapOverlayOptions = {}): RawImage {
  const base = toRgb(image, { background: 'white' });
  checkMap(values, 'overlayHeatmap values');
  checkSameSize(base, values, 'overlayHeatmap');
  const alpha = checkAlpha(options.alpha ?? 0.5);
  const heat = applyColormap(values, { map: options.map ?? 'blues', min: options.min, max: options.max });
  const out = createImage(base.width, base.height, 3);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(base.data[i]! * (1 - alpha) + heat.data[i]! * alpha);
  return out;
}

function checkAlpha(alpha: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay alpha ${alpha} must be between 0 and 1`);
  return alpha;
}

function checkSameSize(image: RawImage, map: { width: number; height: number }, what: string): void {
  if (image.width !== map.width || image.height !== map.height) {
    throw new Error(`${what}: image is ${image.height}x${image.width} but the map is ${map.height}x${map.width} (HxW); resize one (resizeLabels for label maps)`);
  }
}
