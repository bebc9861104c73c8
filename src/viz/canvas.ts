// An RGB(A) raster surface: the pixels every viz image is drawn into.
import type { RawImage } from '../image/types.js';
import { parseColor, type ColorLike, type Rgba } from '../image/color.js';
import { measureText, rasterizeText, type TextStyle } from './font.js';
import { textOrigin, type LineOptions, type MarkerKind, type Rect, type Surface, type TextOptions } from './surface.js';

export interface CanvasOptions {
  /** 3 for RGB (default), 4 for RGBA. */
  channels?: 3 | 4;
  /** Initial colour; default white (transparent for RGBA). */
  background?: ColorLike;
}

/** A drawable RGB or RGBA pixel buffer; `toImage()` hands it out as a RawImage. */
export class Canvas implements Surface {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Uint8Array;
  private clip: Rect;

  constructor(width: number, height: number, options: CanvasOptions = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`canvas size ${width}x${height} must be positive integers`);
    }
    if (width * height > 1 << 28) throw new Error(`canvas size ${width}x${height} is too large`);
    this.width = width;
    this.height = height;
    this.channels = options.channels ?? 3;
    if (this.channels !== 3 && this.channels !== 4) throw new Error(`canvas channels ${String(this.channels)} must be 3 or 4`);
    this.data = new Uint8Array(width * height * this.channels);
    this.clip = { x: 0, y: 0, width, height };
    this.fill(options.background ?? (this.channels === 4 ? 'transparent' : 'white'));
  }

  /** A canvas holding a copy of `image` (gray and gray+alpha are expanded to RGB / RGBA). */
  static fromImage(image: RawImage, channels?: 3 | 4): Canvas {
    const c = new Canvas(image.width, image.height, {
      channels: channels ?? (image.channels === 2 || image.channels === 4 ? 4 : 3),
      background: 'transparent',
    });
    const n = image.width * image.height;
    for (let i = 0; i < n; i++) {
      const [r, g, b, a] = pixelOf(image, i);
      const o = i * c.channels;
      c.data[o] = r;
      c.data[o + 1] = g;
      c.data[o + 2] = b;
      if (c.channels === 4) c.data[o + 3] = a;
    }
    return c;
  }

  /** The pixels as a RawImage (shares this canvas's buffer). */
  toImage(): RawImage {
    return { width: this.width, height: this.height, channels: this.channels, data: this.data };
  }

  /** The colour at (x, y) as RGBA. */
  getPixel(x: number, y: number): Rgba {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw new Error(`pixel (${x}, ${y}) is outside the ${this.width}x${this.height} canvas`);
    }
    const o = (y * this.width + x) * this.channels;
    return [this.data[o]!, this.data[o + 1]!, this.data[o + 2]!, this.channels === 4 ? this.data[o + 3]! : 255];
  }

  setClip(rect: Rect | null): void {
    if (!rect) {
      this.clip = { x: 0, y: 0, width: this.width, height: this.height };
      return;
    }
    const x0 = Math.max(0, Math.floor(rect.x));
    const y0 = Math.max(0, Math.floor(rect.y));
    const x1 = Math.min(this.width, Math.ceil(rect.x + rect.width));
    const y1 = Math.min(this.height, Math.ceil(rect.y + rect.height));
    this.clip = { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
  }

  /** Paints one pixel, blending when the colour is translucent; outside the clip it does nothing. */
  plot(x: number, y: number, color: Rgba): void {
    const c = this.clip;
    if (x < c.x || y < c.y || x >= c.x + c.width || y >= c.y + c.height) return;
    const o = (y * this.width + x) * this.channels;
    const a = color[3];
    const d = this.data;
    if (a === 255) {
      d[o] = color[0];
      d[o + 1] = color[1];
      d[o + 2] = color[2];
      if (this.channels === 4) d[o + 3] = 255;
      return;
    }
    if (a === 0) return;
    const sa = a / 255;
    if (this.channels === 3) {
      for (let k = 0; k < 3; k++) d[o + k] = Math.round(color[k]! * sa + d[o + k]! * (1 - sa));
      return;
    }
    const da = d[o + 3]! / 255;
    const oa = sa + da * (1 - sa);
    for (let k = 0; k < 3; k++) d[o + k] = Math.round((color[k]! * sa + d[o + k]! * da * (1 - sa)) / oa);
    d[o + 3] = Math.round(oa * 255);
  }

  /** Sets every pixel to `color` (ignores the clip and does not blend). */
  fill(color: ColorLike): void {
    const c = parseColor(color);
    for (let i = 0; i < this.width * this.height; i++) {
      const o = i * this.channels;
      this.data[o] = c[0];
      this.data[o + 1] = c[1];
      this.data[o + 2] = c[2];
      if (this.channels === 4) this.data[o + 3] = c[3];
    }
  }

  fillRect(x: number, y: number, width: number, height: number, color: ColorLike): void {
    const c = parseColor(color);
    const x0 = Math.round(x), y0 = Math.round(y);
    const x1 = Math.round(x + width), y1 = Math.round(y + height);
    for (let py = Math.max(y0, this.clip.y); py < Math.min(y1, this.clip.y + this.clip.height); py++) {
      for (let px = Math.max(x0, this.clip.x); px < Math.min(x1, this.clip.x + this.clip.width); px++) this.plot(px, py, c);
    }
  }

  /** Outline of the box, the stroke lying inside it. */
  strokeRect(x: number, y: number, width: number, height: number, color: ColorLike, lineWidth = 1): void {
    const w = Math.max(1, Math.round(lineWidth));
    this.fillRect(x, y, width, w, color);
    this.fillRect(x, y + height - w, width, w, color);
    this.fillRect(x, y + w, w, height - 2 * w, color);
    this.fillRect(x + width - w, y + w, w, height - 2 * w, color);
  }

  line(x0: number, y0: number, x1: number, y1: number, color: ColorLike, options: LineOptions = {}): void {
    this.polyline([x0, y0, x1, y1], color, options);
  }

  /** Bresenham segments stamped with a square pen; dashes continue across vertices. */
  polyline(points: ArrayLike<number>, color: ColorLike, options: LineOptions = {}): void {
    const c = parseColor(color);
    const w = Math.max(1, Math.round(options.width ?? 1));
    const lo = -Math.floor((w - 1) / 2);
    const [on, off] = options.dash ?? [0, 0];
    const period = on + off;
    let step = 0;
    // Pixels already stamped by this polyline: translucent lines must not darken where pens overlap.
    const seen = c[3] < 255 ? new Set<number>() : null;
    const stamp = (px: number, py: number) => {
      if (period > 0 && step++ % period >= on) return;
      for (let dy = lo; dy < lo + w; dy++) {
        for (let dx = lo; dx < lo + w; dx++) {
          const qx = px + dx, qy = py + dy;
          if (seen) {
            const key = qy * this.width + qx;
            if (seen.has(key)) continue;
            seen.add(key);
          }
          this.plot(qx, qy, c);
        }
      }
    };
    for (let i = 0; i + 3 < points.length; i += 2) {
      let xa = Math.round(points[i]!), ya = Math.round(points[i + 1]!);
      const xb = Math.round(points[i + 2]!), yb = Math.round(points[i + 3]!);
      if (![xa, ya, xb, yb].every(Number.isFinite)) continue;
      const dx = Math.abs(xb - xa), dy = -Math.abs(yb - ya);
      const sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1;
      let err = dx + dy;
      // Skip the first pixel of later segments: it is the previous segment's last.
      let first = i > 0;
      for (;;) {
        if (!first) stamp(xa, ya);
        first = false;
        if (xa === xb && ya === yb) break;
        const e2 = 2 * err;
        if (e2 >= dy) { err += dy; xa += sx; }
        if (e2 <= dx) { err += dx; ya += sy; }
      }
    }
    if (points.length === 2) stamp(Math.round(points[0]!), Math.round(points[1]!));
  }

  /** A disc (or a ring of `lineWidth` when fill is false) of radius r around (cx, cy). */
  circle(cx: number, cy: number, r: number, color: ColorLike, options: { fill?: boolean; lineWidth?: number } = {}): void {
    const c = parseColor(color);
    const fill = options.fill ?? true;
    const inner = fill ? -1 : Math.max(0, r - (options.lineWidth ?? 1));
    const R = Math.ceil(r);
    const x0 = Math.round(cx), y0 = Math.round(cy);
    for (let dy = -R; dy <= R; dy++) {
      for (let dx = -R; dx <= R; dx++) {
        const d2 = dx * dx + dy * dy;
        if (d2 <= r * r + r * 0.5 && (inner < 0 || d2 > inner * inner + inner * 0.5)) this.plot(x0 + dx, y0 + dy, c);
      }
    }
  }

  marker(kind: MarkerKind, x: number, y: number, size: number, color: ColorLike): void {
    const c = parseColor(color);
    const cx = Math.round(x), cy = Math.round(y);
    const h = Math.max(0.5, size / 2);
    switch (kind) {
      case 'circle':
        this.circle(cx, cy, h, c);
        return;
      case 'square': {
        const k = Math.max(1, Math.round(size));
        const s = cx - Math.floor((k - 1) / 2), t = cy - Math.floor((k - 1) / 2);
        this.fillRect(s, t, k, k, c);
        return;
      }
      case 'triangle':
      case 'diamond': {
        const R = Math.ceil(h);
        for (let dy = -R; dy <= R; dy++) {
          // Half-width of the row: triangle widens downward, diamond peaks at the centre row.
          const half = kind === 'triangle' ? ((dy + h) / (2 * h)) * h * 1.15 : h - Math.abs(dy);
          if (dy < -h || dy > h || half < 0) continue;
          for (let dx = -Math.round(half); dx <= Math.round(half); dx++) this.plot(cx + dx, cy + dy, c);
        }
        return;
      }
      case 'cross':
      case 'plus': {
        const w = Math.max(1, Math.round(size / 5));
        const r = Math.round(h);
        if (kind === 'plus') {
          this.line(cx - r, cy, cx + r, cy, c, { width: w });
          this.line(cx, cy - r, cx, cy + r, c, { width: w });
        } else {
          this.line(cx - r, cy - r, cx + r, cy + r, c, { width: w });
          this.line(cx - r, cy + r, cx + r, cy - r, c, { width: w });
        }
        return;
      }
      default:
        throw new Error(`marker "${String(kind)}" is not one of circle, square, triangle, diamond, cross, plus`);
    }
  }

  /** Width and heights of `text` in pixels at the given style. */
  measureText(text: string, style: TextStyle = {}): { width: number; height: number; descent: number } {
    return measureText(text, style);
  }

  text(text: string, x: number, y: number, options: TextOptions = {}): void {
    const c = parseColor(options.color ?? 'black');
    const m = measureText(text, options);
    const [ox, oy] = textOrigin(m.width, m.height, m.descent, options.align, options.baseline);
    const ax = Math.round(x), ay = Math.round(y);
    if (options.rotate === 90) {
      // Text space (u right, v down) turns to canvas (v right, u up).
      rasterizeText(text, options, (u, v) => this.plot(ax + oy + v, ay - ox - u, c));
    } else {
      rasterizeText(text, options, (u, v) => this.plot(ax + ox + u, ay + oy + v, c));
    }
  }

  image(image: RawImage, x: number, y: number, width = image.width, height = image.height): void {
    this.blit(image, x, y, width, height);
  }

  /** Copies `image` into the box at (x, y), nearest-neighbour scaled to width x height; alpha blends. */
  blit(image: RawImage, x: number, y: number, width = image.width, height = image.height): void {
    checkImage(image);
    const w = Math.round(width), h = Math.round(height);
    const x0 = Math.round(x), y0 = Math.round(y);
    if (w <= 0 || h <= 0) return;
    const xs = new Int32Array(w);
    for (let dx = 0; dx < w; dx++) xs[dx] = Math.min(image.width - 1, Math.floor(((dx + 0.5) * image.width) / w));
    for (let dy = 0; dy < h; dy++) {
      const py = y0 + dy;
      if (py < this.clip.y || py >= this.clip.y + this.clip.height) continue;
      const sy = Math.min(image.height - 1, Math.floor(((dy + 0.5) * image.height) / h));
      for (let dx = 0; dx < w; dx++) this.plot(x0 + dx, py, pixelOf(image, sy * image.width + xs[dx]!));
    }
  }
}

/** RGBA of pixel `i` of any RawImage. */
export function pixelOf(image: RawImage, i: number): Rgba {
  const d = image.data;
  switch (image.channels) {
    case 1: return [d[i]!, d[i]!, d[i]!, 255];
    case 2: return [d[2 * i]!, d[2 * i]!, d[2 * i]!, d[2 * i + 1]!];
    case 3: return [d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!, 255];
    default: return [d[4 * i]!, d[4 * i + 1]!, d[4 * i + 2]!, d[4 * i + 3]!];
  }
}

/** Throws unless `image` is a consistent RawImage. */
export function checkImage(image: RawImage, what = 'image'): void {
  if (!image || !(image.data instanceof Uint8Array)) throw new Error(`${what} must be a RawImage with a Uint8Array data buffer`);
  const { width, height, channels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what} size ${width}x${height} must be positive integers`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`${what} channels ${channels} must be 1, 2, 3 or 4`);
  if (image.data.length !== width * height * channels) {
    throw new Error(`${what} data has ${image.data.length} bytes, expected ${width}*${height}*${channels} = ${width * height * channels}`);
  }
}
