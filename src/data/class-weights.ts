// Class weights for the cross-entropy from the training labels. Median-frequency balancing
// (Eigen & Fergus 2015, SegNet's CamVid weights): freq(c) = pixels of class c / labelled pixels
// of the images containing c, weight(c) = median(freq) / freq(c). Rare classes (poles, signs,
// cyclists) weigh more, so a short training does not settle on never predicting them.
import { checkDataset } from './check.js';
import type { DatasetSpec } from './datasets/types.js';

/** The ways pixelwise computes class weights from the data (`--class-weights NAME`). */
export const CLASS_WEIGHTINGS = ['median-frequency'] as const;
export type ClassWeighting = (typeof CLASS_WEIGHTINGS)[number];

/** median(freq) / freq(c) over the classes present; a class absent from the labels gets 1 (it is never a target). */
export function medianFrequencyWeights(classPixels: readonly number[], classImagePixels: readonly number[]): number[] {
  const freq = classPixels.map((p, c) => (p > 0 && classImagePixels[c]! > 0 ? p / classImagePixels[c]! : null));
  const present = freq.filter((f): f is number => f !== null).sort((a, b) => a - b);
  if (present.length === 0) throw new Error('median-frequency class weights: the training labels contain no class (every pixel ignored)');
  const mid = Math.floor(present.length / 2);
  const median = present.length % 2 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
  return freq.map((f) => (f === null ? 1 : median / f));
}

/** Decodes every label map of the split `spec` names and returns its class weights. */
export async function classWeightsOf(spec: DatasetSpec, weighting: ClassWeighting): Promise<number[]> {
  const report = await checkDataset(spec, { splits: spec.split !== undefined ? [spec.split] : undefined });
  const problem = report.problems[0];
  if (problem) throw new Error(`${weighting} class weights: ${problem.message}`);
  return medianFrequencyWeights(report.classPixels, report.classImagePixels);
}
