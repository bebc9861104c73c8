// The start-up summary of a training run: what will train, on what, for how long.
import type { RunSummary } from '../train/run.js';

const group = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${group(n)} ${word}${n === 1 ? '' : 's'}`;

/** Lines for stderr before the first step (the time estimate follows after the first steps). */
export function runSummaryLines(s: RunSummary, out: string): string[] {
  const trainable = s.trainableParameters === s.parameters ? 'all trainable' : `${group(s.trainableParameters)} trainable`;
  const data = `${plural(s.trainImages, 'training image')}${s.valImages === null ? ', no validation' : `, ${plural(s.valImages, 'validation image')}`}`;
  const batch = s.worldSize > 1 ? `batch ${s.batchSize} per rank x ${s.worldSize} ranks` : `batch ${s.batchSize}`;
  const where = s.resumedAt ? `resuming ${out} at epoch ${s.resumedAt.epoch + 1} (step ${s.resumedAt.step})` : `run folder ${out}`;
  return [
    `model    ${s.model}: ${group(s.parameters)} parameters (${trainable})`,
    `data     ${data}`,
    `input    ${s.inputSize[0]}x${s.inputSize[1]} (HxW), ${plural(s.channels, 'channel')}; ${batch}, ${plural(s.stepsPerEpoch, 'step')} per epoch, ${plural(s.epochs, 'epoch')}`,
    `runs on  ${s.device}, ${plural(s.threads, 'thread')}${s.worldSize > 1 ? ' per rank' : ''}, ${s.precision}, ${s.memoryFormat}`,
    where,
  ];
}
