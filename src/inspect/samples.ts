// A contact sheet of dataset samples: each image next to its mask in class colours, one
// legend with the class names (the tutorials' sample viewers).
import { to8Bit } from '../image/convert.js';
import type { RawImage } from '../image/types.js';
import type { Dataset, Sample } from '../data/datasets/types.js';
import type { Palette } from '../image/palette.js';
import { panelSheet, type Panel } from './panels.js';

/** The samples at `indices` (decoded in order). */
export async function loadSamples(dataset: Dataset, indices: readonly number[]): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= dataset.length) throw new Error(`sample index ${i} is outside 0..${dataset.length - 1}`);
    out.push(await dataset.get(i));
  }
  return out;
}

export interface SampleSheetOptions {
  names?: readonly string[];
  palette?: Palette;
  ignoreIndex?: number | null;
  /** Samples per row; default up to 4. */
  perRow?: number;
  title?: string;
}

/** image | mask pairs (or images titled with their class, for MNIST) in rows, with a class legend. */
export function sampleSheet(samples: readonly Sample[], o: SampleSheetOptions = {}): RawImage {
  if (samples.length === 0) throw new Error('sampleSheet needs at least one sample');
  const labelled = samples.some((s) => s.label);
  const perRow = o.perRow ?? (labelled ? Math.min(4, samples.length) : Math.min(10, samples.length));
  const panels: Panel[] = [];
  for (const s of samples) {
    const cls = s.classIndex !== undefined ? ` (${o.names?.[s.classIndex] ?? s.classIndex})` : '';
    panels.push({ title: `${s.name}${cls}`, image: to8Bit(s.image) });
    if (labelled) panels.push(s.label ? { title: 'mask', labels: s.label } : { title: 'no mask', image: { width: 1, height: 1, channels: 1, data: new Uint8Array([255]) } });
  }
  const first = samples[0]!.image;
  const small = Math.max(first.width, first.height) <= 64;
  const [w, h] = small ? [first.width * Math.ceil(112 / Math.max(first.width, first.height)), first.height * Math.ceil(112 / Math.max(first.width, first.height))] : fit(first.width, first.height, 256);
  return panelSheet(panels, { names: o.names, palette: o.palette, ignoreIndex: o.ignoreIndex, cols: perRow * (labelled ? 2 : 1), title: o.title, size: [w, h] });
}

function fit(width: number, height: number, side: number): [number, number] {
  const k = side / Math.max(width, height);
  return [Math.max(1, Math.round(width * k)), Math.max(1, Math.round(height * k))];
}
