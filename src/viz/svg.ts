// The one drawing surface: every picture is an SVG document (real text, vector paths, images
// embedded as PNG), written as .svg or rasterised by resvg (raster.ts). Coordinates are pixels
// of the raster: rects and images take their edges, lines pass through pixel centres.
import type { RawImage } from '../image/types.js';
import { parseColor, toHex, type ColorLike } from '../image/color.js';
import { checkImage } from '../image/convert.js';
import { encodePng } from '../image/png.js';
import { FONT_FAMILY, escapeXml, fontSize, measureText, type TextStyle } from './font.js';

export { escapeXml } from './font.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type MarkerKind = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'plus';

export const MARKERS: readonly MarkerKind[] = ['circle', 'square', 'triangle', 'diamond', 'cross', 'plus'];

export interface TextOptions extends TextStyle {
  color?: ColorLike;
  /** Horizontal anchor along the text direction. */
  align?: 'left' | 'center' | 'right';
  /** Vertical anchor: top of capitals, their middle, the baseline, or below the descenders. */
  baseline?: 'top' | 'middle' | 'baseline' | 'bottom';
  /** 90 turns the text counter-clockwise so it reads bottom to top (y-axis labels). */
  rotate?: 0 | 90;
}

export interface LineOptions {
  width?: number;
  /** [on, off] lengths in pixels. */
  dash?: readonly [number, number];
}

const n = (v: number) => String(Math.round(v * 100) / 100);

// Raster coordinates name pixels; their centres sit half a unit further in SVG space.
const c = (v: number) => n(Math.round(v) + 0.5);

function paint(attr: 'fill' | 'stroke', color: ColorLike): string {
  const [, , , a] = parseColor(color);
  const opacity = a < 255 ? ` ${attr}-opacity="${n(a / 255)}"` : '';
  return `${attr}="${toHex(color)}"${opacity}`;
}

/** Collects drawing calls as SVG elements; `toString()` gives the document. */
export class SvgSurface {
  readonly width: number;
  readonly height: number;
  /** The opaque colour under everything (rasterising composites onto it). */
  readonly background: ColorLike;
  private readonly parts: string[] = [];
  private readonly defs: string[] = [];
  private clipId: string | null = null;

  constructor(width: number, height: number, options: { background?: ColorLike } = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`svg size ${height}x${width} (HxW) must be positive integers`);
    }
    if (width * height > 1 << 28) throw new Error(`svg size ${height}x${width} (HxW) is too large to rasterise`);
    this.width = width;
    this.height = height;
    this.background = options.background ?? 'white';
    if (parseColor(this.background)[3] > 0) this.parts.push(`<rect width="${width}" height="${height}" ${paint('fill', this.background)}/>`);
  }

  private push(element: string): void {
    this.parts.push(this.clipId ? element.replace(/^<(\w+)/, `<$1 clip-path="url(#${this.clipId})"`) : element);
  }

  /** Restricts later drawing to `rect` (null: the whole surface). */
  setClip(rect: Rect | null): void {
    if (!rect) {
      this.clipId = null;
      return;
    }
    this.clipId = `clip${this.defs.length}`;
    this.defs.push(`<clipPath id="${this.clipId}"><rect x="${n(rect.x)}" y="${n(rect.y)}" width="${n(rect.width)}" height="${n(rect.height)}"/></clipPath>`);
  }

  fillRect(x: number, y: number, width: number, height: number, color: ColorLike): void {
    if (width <= 0 || height <= 0) return;
    this.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(width)}" height="${n(height)}" ${paint('fill', color)}/>`);
  }

  /** A box filled with `colors` spread evenly from its bottom (first) to its top (last). */
  fillGradient(x: number, y: number, width: number, height: number, colors: readonly ColorLike[]): void {
    const id = `grad${this.defs.length}`;
    const stops = colors.map((col, i) => `<stop offset="${n(i / Math.max(1, colors.length - 1))}" stop-color="${toHex(col)}"/>`).join('');
    this.defs.push(`<linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient>`);
    this.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(width)}" height="${n(height)}" fill="url(#${id})"/>`);
  }

  /** Outline of the box, the stroke lying inside it. */
  strokeRect(x: number, y: number, width: number, height: number, color: ColorLike, lineWidth = 1): void {
    const h = lineWidth / 2;
    this.push(`<rect x="${n(x + h)}" y="${n(y + h)}" width="${n(width - lineWidth)}" height="${n(height - lineWidth)}" fill="none" ${paint('stroke', color)} stroke-width="${n(lineWidth)}"/>`);
  }

  line(x0: number, y0: number, x1: number, y1: number, color: ColorLike, options: LineOptions = {}): void {
    // Square caps: a line covers both end pixels whole, as ticks and frames need.
    this.push(`<line x1="${c(x0)}" y1="${c(y0)}" x2="${c(x1)}" y2="${c(y1)}" ${paint('stroke', color)}${strokeAttrs(options)} stroke-linecap="square"/>`);
  }

  /** Connected segments through flat [x0, y0, x1, y1, ...] points; NaN lifts the pen, so a series with gaps stays one <path>. */
  polyline(points: ArrayLike<number>, color: ColorLike, options: LineOptions = {}): void {
    let d = '';
    let penDown = false;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const x = points[i]!, y = points[i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        penDown = false;
        continue;
      }
      d += `${penDown ? 'L' : 'M'}${c(x)} ${c(y)}`;
      penDown = true;
    }
    if (!d) return;
    this.push(`<path d="${d}" fill="none" ${paint('stroke', color)}${strokeAttrs(options)} stroke-linejoin="round" stroke-linecap="round"/>`);
  }

  /** A filled marker of `size` pixels across, centred on the pixel (x, y). */
  marker(kind: MarkerKind, x: number, y: number, size: number, color: ColorLike): void {
    const cx = Math.round(x) + 0.5, cy = Math.round(y) + 0.5, h = size / 2;
    const fill = paint('fill', color);
    switch (kind) {
      case 'circle':
        this.push(`<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(h)}" ${fill}/>`);
        return;
      case 'square':
        this.push(`<rect x="${n(cx - h)}" y="${n(cy - h)}" width="${n(size)}" height="${n(size)}" ${fill}/>`);
        return;
      case 'triangle':
        this.push(`<polygon points="${n(cx)},${n(cy - h)} ${n(cx + h * 1.15)},${n(cy + h)} ${n(cx - h * 1.15)},${n(cy + h)}" ${fill}/>`);
        return;
      case 'diamond':
        this.push(`<polygon points="${n(cx)},${n(cy - h)} ${n(cx + h)},${n(cy)} ${n(cx)},${n(cy + h)} ${n(cx - h)},${n(cy)}" ${fill}/>`);
        return;
      case 'cross':
      case 'plus': {
        const stroke = `${paint('stroke', color)} stroke-width="${n(Math.max(1.5, size / 5))}"`;
        const [p, q] = kind === 'plus'
          ? [[cx - h, cy, cx + h, cy], [cx, cy - h, cx, cy + h]]
          : [[cx - h, cy - h, cx + h, cy + h], [cx - h, cy + h, cx + h, cy - h]];
        const seg = (v: number[]) => `<line x1="${n(v[0]!)}" y1="${n(v[1]!)}" x2="${n(v[2]!)}" y2="${n(v[3]!)}" ${stroke}/>`;
        this.push(`<g class="marker">${seg(p!)}${seg(q!)}</g>`);
        return;
      }
      default:
        throw new Error(`marker "${String(kind)}" is not one of circle, square, triangle, diamond, cross, plus`);
    }
  }

  /** Text anchored at (x, y) by `align` and `baseline`; the font is measured, so layouts can reserve its room. */
  text(text: string, x: number, y: number, options: TextOptions = {}): void {
    const size = fontSize(options);
    const { height: cap, descent } = measureText('', options);
    const anchor = options.align === 'center' ? 'middle' : options.align === 'right' ? 'end' : 'start';
    const base = options.baseline ?? 'top';
    // Distance from the anchor down to the baseline.
    const dy = base === 'top' ? cap : base === 'middle' ? cap / 2 : base === 'bottom' ? -descent : 0;
    const weight = options.bold ? ' font-weight="bold"' : '';
    // preserve: spaces are drawn as written (and as measureText counts them).
    const attrs = `xml:space="preserve" font-family="${FONT_FAMILY}, sans-serif" font-size="${n(size)}"${weight} text-anchor="${anchor}" ${paint('fill', options.color ?? 'black')}`;
    if (options.rotate === 90) {
      this.push(`<text x="${n(x + dy)}" y="${n(y)}" transform="rotate(-90 ${n(x + dy)} ${n(y)})" ${attrs}>${escapeXml(text)}</text>`);
    } else {
      this.push(`<text x="${n(x)}" y="${n(y + dy)}" ${attrs}>${escapeXml(text)}</text>`);
    }
  }

  /** Draws `image` into the box at (x, y), scaled by nearest neighbour to width x height (pixels stay crisp). */
  image(image: RawImage, x: number, y: number, width = image.width, height = image.height): void {
    checkImage(image);
    if (width <= 0 || height <= 0) return;
    // These PNGs live only inside the document: written for speed, not size.
    const png = encodePng(image, { level: 1, filter: 'none' }, 'embedded image').toString('base64');
    this.push(`<image x="${n(x)}" y="${n(y)}" width="${n(width)}" height="${n(height)}" preserveAspectRatio="none" image-rendering="optimizeSpeed" href="data:image/png;base64,${png}"/>`);
  }

  /** The SVG document. */
  toString(): string {
    const defs = this.defs.length ? `<defs>${this.defs.join('')}</defs>` : '';
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">${defs}${this.parts.join('\n')}</svg>\n`;
  }
}

function strokeAttrs(options: LineOptions): string {
  const w = ` stroke-width="${n(options.width ?? 1)}"`;
  return options.dash ? `${w} stroke-dasharray="${options.dash[0]} ${options.dash[1]}"` : w;
}
