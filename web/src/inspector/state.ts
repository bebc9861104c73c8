// The page's state, shared by the views: the sources (runs and checkpoints) the server offers,
// their epoch records, and the image shown under Predictions with the split's per-image scores.
import type { Rgb } from '../overlay.js';

export interface SourceInfo {
  id: number;
  label: string;
  isRun: boolean;
  hasMetrics: boolean;
  hasCheckpoint: boolean;
  hasData: boolean;
  model: string | null;
  binary: boolean;
  /** The autoencoder with a 2-D latent space (the Latent view). */
  latent: boolean;
  classes: { names: string[]; palette: Rgb[] } | null;
}

export type EpochRecord = Record<string, unknown> & { epoch: number; step: number; elapsed: number; trainLoss: number; valLoss: number | null; meanIoU: number | null; lr: number; perClassIoU: Record<string, number | null> | null };

export interface Sample {
  index: number;
  name: string;
  width: number;
  height: number;
  meanIoU: number | null;
  image: ImageData;
  prediction: Uint8Array;
  truth: Uint8Array | null;
  probability: Uint8Array | null;
}

export const state = {
  sources: [] as SourceInfo[],
  source: 0,
  records: new Map<number, EpochRecord[]>(),
  streams: new Map<number, EventSource>(),
  shownRuns: new Set<number>(),
  sample: null as Sample | null,
  sampleOrder: [] as number[],
  names: [] as string[],
  imageScores: new Map<number, number | null>(),
  scoresTimer: 0,
};

// Both Predictions ('worst first') and Scores poll the split's scores.
export async function refreshImageScores(): Promise<{ done: number; total: number; summary: any; images: { index: number; meanIoU: number | null }[] } | null> {
  const r = await fetch(`api/runs/${state.source}/scores?start=1`);
  if (!r.ok) return null;
  const s = await r.json();
  for (const im of s.images) state.imageScores.set(im.index, im.meanIoU);
  return s;
}
