// Side-by-side panels with titles: image | truth | prediction and the like.
import type { RawImage } from '../image/types.js';
import type { ColorLike } from '../image/color.js';
import { checkImage } from '../image/convert.js';
import { measureText } from './font.js';
import { rasterize } from './raster.js';
import { SvgSurface } from './svg.js';

export interface PanelOptions {
  /** Pixels between panels; default 8. */
  gap?: number;
  /** Pixels around the whole grid; default 8. */
  padding?: number;
  /** Default white. */
  background?: ColorLike;
  /** One title per image, drawn centred above it (missing or '' for none). */
  titles?: readonly (string | undefined)[];
  /** Text scale of the titles (font.ts); default 2. */
  titleScale?: number;
  titleColor?: ColorLike;
  /** A heading over the whole grid, bold. */
  title?: string;
}

export interface GridOptions extends PanelOptions {
  /** Panels per row; default ceil(sqrt(n)). */
  cols?: number;
}

/** Lays images out in rows of `cols`, each under its title; cells grow to fit the longer of image and title. */
export function grid(images: readonly RawImage[], options: GridOptions = {}): RawImage {
  if (!Array.isArray(images) || images.length === 0) throw new Error('grid needs at least one image');
  images.forEach((im, i) => checkImage(im, `grid image ${i}`));
  const n = images.length;
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`grid cols ${cols} must be a positive integer`);
  const rows = Math.ceil(n / cols);
  const gap = options.gap ?? 8;
  const pad = options.padding ?? 8;
  const ts = options.titleScale ?? 2;
  const titles = options.titles ?? [];
  const titleBand = measureText('Ag', { scale: ts });
  const bandHeight = Math.ceil(titleBand.height + titleBand.descent) + 2 * ts + 2;

  const colWidth = new Array<number>(cols).fill(0);
  const rowHeight = new Array<number>(rows).fill(0);
  const rowHasTitle = new Array<boolean>(rows).fill(false);
  images.forEach((im, i) => {
    const r = Math.floor(i / cols), c = i % cols;
    const t = titles[i];
    const tw = t ? Math.ceil(measureText(t, { scale: ts }).width) : 0;
    colWidth[c] = Math.max(colWidth[c]!, im.width, tw);
    rowHeight[r] = Math.max(rowHeight[r]!, im.height);
    if (t) rowHasTitle[r] = true;
  });
  const heading = options.title ? measureText(options.title, { scale: ts + 1, bold: true }) : null;
  const headingHeight = heading ? Math.ceil(heading.height + heading.descent) + 2 * ts + 4 : 0;
  const width = Math.max(
    2 * pad + colWidth.reduce((a, b) => a + b, 0) + gap * (cols - 1),
    heading ? Math.ceil(heading.width) + 2 * pad : 0,
  );
  const height = 2 * pad + headingHeight + rowHeight.reduce((a, b, r) => a + b + (rowHasTitle[r] ? bandHeight : 0), 0) + gap * (rows - 1);

  const svg = new SvgSurface(width, height, { background: options.background ?? 'white' });
  if (options.title) svg.text(options.title, width / 2, pad, { scale: ts + 1, bold: true, align: 'center', color: options.titleColor });
  let y = pad + headingHeight;
  for (let r = 0; r < rows; r++) {
    let x = pad;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const im = images[i];
      if (im) {
        const cx = x + colWidth[c]! / 2;
        const t = titles[i];
        if (t) svg.text(t, cx, y + ts, { scale: ts, align: 'center', color: options.titleColor });
        svg.image(im, Math.round(cx - im.width / 2), y + (rowHasTitle[r] ? bandHeight : 0));
      }
      x += colWidth[c]! + gap;
    }
    y += rowHeight[r]! + (rowHasTitle[r] ? bandHeight : 0) + gap;
  }
  return rasterize(svg);
}

/** Images side by side in one row. */
export function hconcat(images: readonly RawImage[], options: PanelOptions = {}): RawImage {
  return grid(images, { ...options, cols: images.length });
}

/** Images stacked in one column. */
export function vconcat(images: readonly RawImage[], options: PanelOptions = {}): RawImage {
  return grid(images, { ...options, cols: 1 });
}
