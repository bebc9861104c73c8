// The one typeface of every picture: DejaVu Sans (Bitstream Vera licence), TrueType files from
// the dejavu-fonts-ttf package, loaded by resvg explicitly (no system fonts, so pictures look
// the same on every machine). Text is measured by the same engine that draws it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

export const FONT_FAMILY = 'DejaVu Sans';

const FONT_DIR = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
/** The font files resvg loads: regular and bold. */
export const FONT_FILES: readonly string[] = [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')];

/** resvg options with the bundled font as the only one. */
export function resvgFontOptions(): ResvgRenderOptions {
  return { font: { loadSystemFonts: false, fontFiles: [...FONT_FILES], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY } };
}

// DejaVu Sans metrics in em (hhea/OS2 of the TTF, 2048 units per em).
const CAP_HEIGHT_EM = 1493 / 2048;
const DESCENT_EM = 483 / 2048;

export interface TextStyle {
  /** Text scale: 1 is 9-pixel type, each step adds 5 pixels (2, the default of figures, is 14). */
  scale?: number;
  /** Font size in pixels; overrides `scale`. */
  size?: number;
  bold?: boolean;
}

/** Validates a text scale: a positive number up to 64. */
export function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 64) throw new Error(`font scale ${scale} must be a number in (0, 64]`);
  return scale;
}

/** Font size in pixels of a style. */
export function fontSize(style: TextStyle = {}): number {
  if (style.size !== undefined) {
    if (!(style.size > 0) || !Number.isFinite(style.size)) throw new Error(`font size ${style.size} must be a positive number of pixels`);
    return style.size;
  }
  return 5 * checkScale(style.scale ?? 1) + 4;
}

/**
 * Size of `text` in pixels at a style: its advance width (what text-anchor centres on), the
 * height of capitals above the baseline and the depth of descenders below it.
 */
export function measureText(text: string, style: TextStyle = {}): { width: number; height: number; descent: number } {
  const size = fontSize(style);
  return { width: (advance(text, style.bold ?? false) * size) / REFERENCE, height: CAP_HEIGHT_EM * size, descent: DESCENT_EM * size };
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const REFERENCE = 100;
const widths = new Map<string, number>();
const bars = new Map<string, number>();

// Advance width at REFERENCE px, shaped and kerned by resvg: the right edge of the ink of
// `text|` less that of `|` alone (resvg reports ink boxes, and '|' has the same ink in both).
function advance(text: string, bold: boolean): number {
  const t = text.replace(/[\t\n\r]/g, ' '); // as xml:space="preserve" draws them
  if (!t) return 0;
  const key = (bold ? 'b' : 'r') + t;
  let w = widths.get(key);
  if (w === undefined) {
    const barKey = bold ? 'b|' : 'r|';
    let bar = bars.get(barKey);
    if (bar === undefined) bars.set(barKey, (bar = inkRight('|', bold)));
    w = inkRight(t + '|', bold) - bar;
    // Bounded: a long predict run titles every picture with another file name.
    if (widths.size >= 10_000) widths.clear();
    widths.set(key, w);
  }
  return w;
}

function inkRight(text: string, bold: boolean): number {
  const weight = bold ? ' font-weight="bold"' : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text x="0" y="${REFERENCE}" xml:space="preserve" font-family="${FONT_FAMILY}" font-size="${REFERENCE}"${weight}>${escapeXml(text)}</text></svg>`;
  const box = new Resvg(svg, resvgFontOptions()).getBBox();
  return box ? box.x + box.width : 0;
}
