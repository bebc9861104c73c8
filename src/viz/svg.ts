// The SVG back end of Surface: same layout as the raster canvas, with real <text> and vector paths.
import type { RawImage } from '../image/types.js';
import { parseColor, toHex, type ColorLike } from '../image/color.js';
import { ADVANCE, CAP_HEIGHT, DESCENT, checkScale, measureText } from './font.js';
import { pixelOf, checkImage } from './canvas.js';
import type { LineOptions, MarkerKind, Rect, Surface, TextOptions } from './surface.js';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
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
export class SvgSurface implements Surface {
  readonly width: number;
  readonly height: number;
  private readonly parts: string[] = [];
  private readonly defs: string[] = [];
  private clipId: string | null = null;

  constructor(width: number, height: number, options: { background?: ColorLike } = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`svg size ${width}x${height} must be positive integers`);
    }
    this.width = width;
    this.height = height;
    const bg = options.background ?? 'white';
    if (parseColor(bg)[3] > 0) this.parts.push(`<rect width="${width}" height="${height}" ${paint('fill', bg)}/>`);
  }

  private push(element: string): void {
    this.parts.push(this.clipId ? element.replace(/^<(\w+)/, `<$1 clip-path="url(#${this.clipId})"`) : element);
  }

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

  strokeRect(x: number, y: number, width: number, height: number, color: ColorLike, lineWidth = 1): void {
    const h = lineWidth / 2;
    this.push(`<rect x="${n(x + h)}" y="${n(y + h)}" width="${n(width - lineWidth)}" height="${n(height - lineWidth)}" fill="none" ${paint('stroke', color)} stroke-width="${n(lineWidth)}"/>`);
  }

  line(x0: number, y0: number, x1: number, y1: number, color: ColorLike, options: LineOptions = {}): void {
    this.push(`<line x1="${c(x0)}" y1="${c(y0)}" x2="${c(x1)}" y2="${c(y1)}" ${paint('stroke', color)}${strokeAttrs(options)}/>`);
  }

  /** One <path>; NaN coordinates lift the pen, so a series with gaps stays one element. */
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
        const w = Math.max(1, Math.round(size / 5));
        const stroke = `${paint('stroke', color)} stroke-width="${w}"`;
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

  text(text: string, x: number, y: number, options: TextOptions = {}): void {
    const s = checkScale(options.scale ?? 1);
    const anchor = options.align === 'center' ? 'middle' : options.align === 'right' ? 'end' : 'start';
    const base = options.baseline ?? 'top';
    // Place the SVG baseline where the bitmap font's baseline would be.
    const dy = base === 'top' ? CAP_HEIGHT * s : base === 'middle' ? Math.ceil((CAP_HEIGHT * s) / 2)
      : base === 'bottom' ? -DESCENT * s : 0;
    // A monospace face whose advance matches the bitmap font (advance ≈ 0.6 em).
    const size = (ADVANCE * s) / 0.6;
    const weight = options.bold ? ' font-weight="bold"' : '';
    const width = measureText(text, options).width;
    const len = text.length > 1 ? ` textLength="${n(width + s)}" lengthAdjust="spacingAndGlyphs"` : '';
    const attrs = `font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${n(size)}"${weight} text-anchor="${anchor}" ${paint('fill', options.color ?? 'black')}${len}`;
    if (options.rotate === 90) {
      this.push(`<text x="${n(x + dy)}" y="${n(y)}" transform="rotate(-90 ${n(x + dy)} ${n(y)})" ${attrs}>${escapeXml(text)}</text>`);
    } else {
      this.push(`<text x="${n(x)}" y="${n(y + dy)}" ${attrs}>${escapeXml(text)}</text>`);
    }
  }

  /** Pixels as rows of merged <rect> runs: exact, self-contained, no PNG encoder needed. */
  image(image: RawImage, x: number, y: number, width = image.width, height = image.height): void {
    checkImage(image);
    const sx = width / image.width, sy = height / image.height;
    const rects: string[] = [];
    for (let row = 0; row < image.height; row++) {
      let start = 0;
      for (let col = 1; col <= image.width; col++) {
        const same = col < image.width && samePixel(image, row * image.width + col, row * image.width + start);
        if (same) continue;
        const [r, g, b, a] = pixelOf(image, row * image.width + start);
        if (a > 0) {
          rects.push(`<rect x="${n(x + start * sx)}" y="${n(y + row * sy)}" width="${n((col - start) * sx)}" height="${n(sy)}" ${paint('fill', [r, g, b, a])}/>`);
        }
        start = col;
      }
    }
    this.push(`<g class="image" shape-rendering="crispEdges">${rects.join('')}</g>`);
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

function samePixel(image: RawImage, i: number, j: number): boolean {
  const ch = image.channels;
  for (let k = 0; k < ch; k++) if (image.data[i * ch + k] !== image.data[j * ch + k]) return false;
  return true;
}
