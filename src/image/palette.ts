// Class colours: the PASCAL VOC map, a qualitative palette for any class count, CamVid's colours.
import { hslToRgb, parseColor, type ColorLike, type Rgb } from './color.js';

/** One colour per class index. */
export type Palette = readonly Rgb[];

/** 'voc': PASCAL VOC bit-interleaved map; 'qualitative': distinct hues, strong colours first;
 * 'paired': light/dark pairs per hue (like matplotlib's 'Paired'); 'camvid': CamVid's 11 classes + void. */
export type PaletteKind = 'voc' | 'qualitative' | 'paired' | 'camvid';

/** Ignore colours the overlay and colorize functions use for the ignore index. */
export const IGNORE_BLACK: Rgb = [0, 0, 0];
export const IGNORE_WHITE: Rgb = [255, 255, 255];

/**
 * Two classes (background, foreground): colours that show over gray images (EM membranes,
 * seismic slices) and on a white page, where black and white vanish. Blue background, amber
 * foreground.
 */
export function binaryPalette(): Palette {
  return [
    [40, 90, 200],
    [255, 190, 0],
  ];
}

/**
 * The PASCAL VOC colour map: the bits of the label index are dealt out in turn to R, G and B,
 * most significant colour bit first, so neighbouring labels get very different colours.
 */
export function vocPalette(size = 256): Palette {
  checkCount(size, 'vocPalette size');
  const out: Rgb[] = [];
  for (let i = 0; i < size; i++) {
    let r = 0, g = 0, b = 0;
    let c = i;
    for (let bit = 7; bit >= 0 && c > 0; bit--) {
      r |= (c & 1) << bit;
      g |= ((c >> 1) & 1) << bit;
      b |= ((c >> 2) & 1) << bit;
      c >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

// Ten hues, each as [strong, light]; chosen by eye for contrast on white and on each other.
const HUE_PAIRS: readonly (readonly [Rgb, Rgb])[] = [
  [[31, 100, 190], [150, 190, 235]], // blue
  [[235, 120, 0], [255, 200, 120]], // orange
  [[40, 150, 50], [160, 220, 140]], // green
  [[210, 35, 40], [245, 160, 155]], // red
  [[110, 60, 170], [200, 175, 225]], // purple
  [[140, 80, 40], [220, 180, 140]], // brown
  [[200, 50, 150], [245, 170, 215]], // magenta
  [[90, 90, 90], [185, 185, 185]], // grey
  [[170, 160, 20], [235, 225, 110]], // olive
  [[0, 145, 150], [130, 215, 210]], // teal
];

/** Beyond the hand-picked colours: golden-angle hues over three lightness levels, never repeating. */
function generated(i: number): Rgb {
  const hue = (i * 137.508 + 20) % 360;
  const lightness = [0.42, 0.62, 0.32][i % 3]!;
  return hslToRgb(hue, 0.7, lightness);
}

/** `n` distinct, deterministic colours: ten strong hues, then their light variants, then generated ones. */
export function qualitativePalette(n: number): Palette {
  checkCount(n, 'qualitativePalette size');
  const out: Rgb[] = [];
  for (let i = 0; i < n; i++) {
    if (i < 10) out.push(HUE_PAIRS[i]![0]);
    else if (i < 20) out.push(HUE_PAIRS[i - 10]![1]);
    else out.push(generated(i - 20));
  }
  return out;
}

/** `n` colours in light/dark pairs per hue (in the spirit of matplotlib's 'Paired'), then generated ones. */
export function pairedPalette(n: number): Palette {
  checkCount(n, 'pairedPalette size');
  const out: Rgb[] = [];
  for (let i = 0; i < n; i++) {
    if (i < 20) out.push(HUE_PAIRS[i >> 1]![1 - (i & 1)]!);
    else out.push(generated(i - 20));
  }
  return out;
}

const CAMVID_COLORS: Palette = [
  [128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222], [128, 128, 0],
  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0], [0, 128, 192], [0, 0, 0],
];

/** CamVid's class colours in CAMVID_CLASSES order (index 11 is void). */
export function camvidPalette(n = 12): Palette {
  if (!Number.isInteger(n) || n < 1 || n > CAMVID_COLORS.length) {
    throw new Error(`camvidPalette size ${n}: CamVid defines ${CAMVID_COLORS.length} colours (11 classes + void)`);
  }
  return CAMVID_COLORS.slice(0, n);
}

/** A palette of `numClasses` colours of the given kind. */
export function paletteFor(numClasses: number, kind: PaletteKind = 'qualitative'): Palette {
  switch (kind) {
    case 'voc':
      return numClasses <= 256 ? vocPalette(numClasses) : extendVoc(numClasses);
    case 'qualitative':
      return qualitativePalette(numClasses);
    case 'paired':
      return pairedPalette(numClasses);
    case 'camvid':
      return camvidPalette(numClasses);
    default:
      throw new Error(`palette kind "${String(kind)}" is not one of voc, qualitative, paired, camvid`);
  }
}

// ADE20K-sized label sets exceed 256 only rarely; keep colours distinct by continuing with generated hues.
function extendVoc(n: number): Palette {
  checkCount(n, 'paletteFor numClasses');
  const base = vocPalette(256);
  const out = base.slice();
  for (let i = 256; i < n; i++) out.push(generated(i));
  return out;
}

/** The palette's colour for `label`, or `ignoreColor` when label === ignoreIndex; throws when out of range. */
export function colorOf(palette: Palette, label: number, ignoreIndex?: number, ignoreColor: ColorLike = IGNORE_WHITE): Rgb {
  if (label === ignoreIndex) {
    const [r, g, b] = parseColor(ignoreColor);
    return [r, g, b];
  }
  const c = palette[label];
  if (!c) throw new Error(`label ${label} has no colour: palette has ${palette.length} entries (0..${palette.length - 1})`);
  return c;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
}
