// Colours as plain tuples so palettes, canvases and SVG share one representation.

/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];
/** An 8-bit RGBA colour; alpha 255 is opaque. */
export type Rgba = readonly [number, number, number, number];
/** A colour as a tuple or a CSS hex string ('#rgb', '#rrggbb', '#rrggbbaa'). */
export type ColorLike = Rgb | Rgba | string;

const NAMED: Record<string, Rgba> = {
  black: [0, 0, 0, 255],
  white: [255, 255, 255, 255],
  gray: [128, 128, 128, 255],
  red: [220, 40, 40, 255],
  green: [40, 160, 60, 255],
  blue: [40, 90, 210, 255],
  transparent: [0, 0, 0, 0],
};

/** Normalises any ColorLike to an RGBA tuple; throws on malformed input. */
export function parseColor(color: ColorLike): Rgba {
  if (typeof color === 'string') {
    const named = NAMED[color.toLowerCase()];
    if (named) return named;
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color);
    if (!m) throw new Error(`color "${color}" is not a known name or a #rgb / #rrggbb / #rrggbbaa hex string`);
    let hex = m[1]!;
    if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
    const v = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return [v(0), v(2), v(4), hex.length === 8 ? v(6) : 255];
  }
  if (!Array.isArray(color) || (color.length !== 3 && color.length !== 4)) {
    throw new Error(`color ${JSON.stringify(color)} must be [r, g, b] or [r, g, b, a]`);
  }
  for (const c of color) {
    if (!Number.isFinite(c) || c < 0 || c > 255) {
      throw new Error(`color ${JSON.stringify(color)} has a component outside 0..255`);
    }
  }
  const [r, g, b, a = 255] = color as readonly number[];
  return [Math.round(r!), Math.round(g!), Math.round(b!), Math.round(a)];
}

/** '#rrggbb' for an RGB(A) colour (alpha is dropped; SVG gets it as opacity). */
export function toHex(color: ColorLike): string {
  const [r, g, b] = parseColor(color);
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Converts HSL (h in degrees, s and l in 0..1) to RGB. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 60;
  const chroma = (1 - Math.abs(2 * l - 1)) * s;
  const x = chroma * (1 - Math.abs((hue % 2) - 1));
  const [r, g, b] =
    hue < 1 ? [chroma, x, 0] : hue < 2 ? [x, chroma, 0] : hue < 3 ? [0, chroma, x]
      : hue < 4 ? [0, x, chroma] : hue < 5 ? [x, 0, chroma] : [chroma, 0, x];
  const m = l - chroma / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Relative luminance in 0..1 (Rec. 709 weights on gamma-encoded values; enough to pick text colour). */
export function luminance(color: ColorLike): number {
  const [r, g, b] = parseColor(color);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
