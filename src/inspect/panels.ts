// Images and label maps side by side under their titles, with one legend naming every class
// any of the maps shows: the layout of the TGS tutorial's sample, threshold and layer viewers.
import type { RawImage } from '../image/types.js';
import { toRgb } from '../image/convert.js';
import { resizeImage } from '../image/resize.js';
import { displaySize } from '../viz/display.js';
import { drawLegend, measureLegend, type LegendEntry } from '../viz/legend-box.js';
import type { LabelMap } from '../image/types.js';
import { colorizeLabels } from '../viz/overlay.js';
import { paletteFor, type Palette } from '../image/palette.js';
import { grid } from '../viz/panels.js';
import { rasterize } from '../viz/raster.js';
import { SvgSurface } from '../viz/svg.js';

/** One panel: an image, or a label map drawn in class colours. */
export interface Panel {
  title?: string;
  image?: RawImage;
  labels?: LabelMap;
}

export interface PanelSheetOptions {
  /** Class names by label (legend text). */
  names?: readonly string[];
  /** Colours by label; default a qualitative palette covering the labels shown. */
  palette?: Palette;
  ignoreIndex?: number | null;
  /** Panels per row; default all in one row. */
  cols?: number;
  title?: string;
  /** Size every panel is drawn at; default the first panel's display size (160..320 px). */
  size?: [number, number];
}

/** The panels in a grid, each scaled (nearest) to one size, with a class legend on the right. */
export function panelSheet(panels: readonly Panel[], options: PanelSheetOptions = {}): RawImage {
  if (panels.length === 0) throw new Error('panelSheet needs at least one panel');
  const first = panels[0]!.image ?? panels[0]!.labels!;
  const [w, h] = options.size ?? displaySize(first.width, first.height, 160, 320);
  const ignore = options.ignoreIndex ?? undefined;
  const present = new Set<number>();
  let maxLabel = 0;
  for (const p of panels) {
    const d = p.labels?.data ?? [];
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v === ignore) continue;
      present.add(v);
      if (v > maxLabel) maxLabel = v;
    }
  }
  const palette = options.palette && options.palette.length > maxLabel ? options.palette : paletteFor(maxLabel + 1, 'qualitative');
  const images = panels.map((p) => {
    if (p.image) return resizeImage(toRgb(p.image, { background: 'white' }), w, h, 'nearest');
    if (!p.labels) throw new Error(`panel '${p.title ?? ''}' has neither an image nor labels`);
    return resizeImage(colorizeLabels(p.labels, { palette, ignoreIndex: ignore }), w, h, 'nearest');
  });
  const sheet = grid(images, { titles: panels.map((p) => p.title), cols: options.cols ?? panels.length, title: options.title });
  const entries: LegendEntry[] = [...present].sort((a, b) => a - b).map((c) => ({
    text: options.names?.[c] !== undefined ? `${c} ${options.names[c]}` : String(c),
    color: palette[c]!,
  }));
  if (entries.length === 0) return sheet;
  const legend = measureLegend(entries, { scale: 2 });
  const svg = new SvgSurface(sheet.width + legend.width + 12, Math.max(sheet.height, legend.height + 16));
  svg.image(sheet, 0, 0);
  drawLegend(svg, sheet.width, 8, entries, { scale: 2 });
  return rasterize(svg);
}
