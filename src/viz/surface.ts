// What plots draw on: one interface, two back ends (raster Canvas, SvgSurface), so a figure's
// layout is computed once and both outputs agree.
import type { RawImage } from '../image/types.js';
import type { ColorLike } from '../image/color.js';
import type { TextStyle } from './font.js';

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

export interface Surface {
  readonly width: number;
  readonly height: number;
  fillRect(x: number, y: number, width: number, height: number, color: ColorLike): void;
  strokeRect(x: number, y: number, width: number, height: number, color: ColorLike, lineWidth?: number): void;
  line(x0: number, y0: number, x1: number, y1: number, color: ColorLike, options?: LineOptions): void;
  /** Connected segments through flat [x0, y0, x1, y1, ...] points. */
  polyline(points: ArrayLike<number>, color: ColorLike, options?: LineOptions): void;
  /** A filled marker of `size` pixels across, centred on (x, y). */
  marker(kind: MarkerKind, x: number, y: number, size: number, color: ColorLike): void;
  text(text: string, x: number, y: number, options?: TextOptions): void;
  /** Draws `image` into the box at (x, y), scaled (nearest neighbour) to width x height. */
  image(image: RawImage, x: number, y: number, width?: number, height?: number): void;
  /** Restricts later drawing to `rect` (null: the whole surface). */
  setClip(rect: Rect | null): void;
}

/** Offset from the anchor point to the top-left of the unrotated text box. */
export function textOrigin(
  width: number,
  capHeight: number,
  descent: number,
  align: TextOptions['align'] = 'left',
  baseline: TextOptions['baseline'] = 'top',
): [number, number] {
  const dx = align === 'center' ? -Math.floor(width / 2) : align === 'right' ? -width : 0;
  const dy = baseline === 'middle' ? -Math.floor(capHeight / 2)
    : baseline === 'baseline' ? -capHeight
      : baseline === 'bottom' ? -(capHeight + descent) : 0;
  return [dx, dy];
}
