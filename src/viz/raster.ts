// SVG documents to pixels: resvg with the bundled font only.
import { Resvg } from '@resvg/resvg-js';
import type { RawImage } from '../image/types.js';
import { parseColor, toHex } from '../image/color.js';
import { resvgFontOptions } from './font.js';
import type { SvgSurface } from './svg.js';

/** Renders an SVG document (or surface) at its own size to RGB pixels, over its background when opaque, else white. */
export function rasterize(svg: SvgSurface | string): RawImage {
  const bg = typeof svg === 'string' ? parseColor('white') : parseColor(svg.background);
  const rendered = new Resvg(String(svg), {
    ...resvgFontOptions(),
    fitTo: { mode: 'original' },
    // Nearest neighbour for embedded images: label maps and upscaled tiles keep exact colours.
    imageRendering: 1,
    background: bg[3] === 255 ? toHex(bg) : '#ffffff',
  }).render();
  const { width, height } = rendered;
  const rgba = rendered.pixels;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < out.length; i += 4, o += 3) {
    out[o] = rgba[i]!;
    out[o + 1] = rgba[i + 1]!;
    out[o + 2] = rgba[i + 2]!;
  }
  return { width, height, channels: 3, data: out };
}
