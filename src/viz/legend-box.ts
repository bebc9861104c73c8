// A legend box (symbol + text per row) shared by plots and segmentation maps.
import type { ColorLike } from '../image/color.js';
import { measureText } from './font.js';
import type { MarkerKind, Rect, SvgSurface } from './svg.js';

export interface LegendEntry {
  text: string;
  color: ColorLike;
  /** 'swatch' (filled square, default), 'line' (a short stroke) or a marker kind. */
  symbol?: 'swatch' | 'line' | MarkerKind;
  lineWidth?: number;
  dash?: readonly [number, number];
  /** Marker diameter in pixels. */
  markerSize?: number;
}

export interface LegendStyle {
  /** Text scale (font.ts); default 2. */
  scale?: number;
  /** Draw a background and a frame around the box; default true. */
  frame?: boolean;
  background?: ColorLike;
  textColor?: ColorLike;
}

export interface LegendLayout {
  width: number;
  height: number;
  rowHeight: number;
  /** Width reserved for the symbol column. */
  symbolWidth: number;
  padding: number;
}

/** Size of the legend box for `entries`, in whole pixels. */
export function measureLegend(entries: readonly LegendEntry[], style: LegendStyle = {}): LegendLayout {
  const s = style.scale ?? 2;
  const m = measureText('Ag', { scale: s });
  // Rows a line and a half apart: cap height, descent and air.
  const rowHeight = Math.ceil(1.6 * (m.height + m.descent));
  const hasLine = entries.some((e) => e.symbol === 'line');
  const symbolWidth = Math.ceil(hasLine ? 2.2 * m.height : m.height + 2);
  const padding = Math.ceil(0.5 * m.height);
  const textWidth = Math.max(0, ...entries.map((e) => measureText(e.text, { scale: s }).width));
  return {
    width: Math.ceil(2 * padding + symbolWidth + 0.6 * m.height + textWidth),
    height: 2 * padding + rowHeight * entries.length,
    rowHeight,
    symbolWidth,
    padding,
  };
}

/** Draws the legend with its top-left corner at (x, y); returns the box it covers. */
export function drawLegend(surface: SvgSurface, x: number, y: number, entries: readonly LegendEntry[], style: LegendStyle = {}): Rect {
  const s = style.scale ?? 2;
  const L = measureLegend(entries, style);
  const box = { x: Math.round(x), y: Math.round(y), width: L.width, height: L.height };
  if (entries.length === 0) return box;
  if (style.frame ?? true) {
    surface.fillRect(box.x, box.y, box.width, box.height, style.background ?? [255, 255, 255, 230]);
    surface.strokeRect(box.x, box.y, box.width, box.height, [200, 200, 200]);
  }
  const cap = measureText('A', { scale: s }).height;
  const swatch = Math.round(cap) + 2;
  entries.forEach((e, i) => {
    const midY = box.y + L.padding + i * L.rowHeight + Math.floor(L.rowHeight / 2);
    const sx = box.x + L.padding;
    const symbol = e.symbol ?? 'swatch';
    if (symbol === 'swatch') {
      surface.fillRect(sx, midY - Math.floor(swatch / 2), swatch, swatch, e.color);
    } else if (symbol === 'line') {
      surface.line(sx, midY, sx + L.symbolWidth - 2, midY, e.color, { width: e.lineWidth ?? s, dash: e.dash });
    } else {
      surface.marker(symbol, sx + L.symbolWidth / 2, midY, e.markerSize ?? Math.max(5, 3 * s + 1), e.color);
    }
    surface.text(e.text, sx + L.symbolWidth + 0.6 * cap, midY + 0.5, { scale: s, baseline: 'middle', color: style.textColor ?? 'black' });
  });
  return box;
}
