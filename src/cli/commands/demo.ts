// pixelwise demo: the whole path on a fresh machine with no downloads — make a dataset, train
// a U-Net for about two minutes, evaluate it, predict, and leave a run folder to look at.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../io/atomic.js';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { SyntheticDataset } from '../../data/datasets/synthetic.js';
import { writeFolderDataset } from '../../data/export.js';
import { DataLoader } from '../../data/loader.js';
import type { DatasetSpec } from '../../data/datasets/types.js';
import { formatTable } from '../../metrics/scores.js';
import { prepareRun, type TrainRunOptions } from '../../train/run.js';
import { evaluate } from '../../train/evaluate.js';
import { loadCheckpointModel } from '../../checkpoint/load-model.js';
import { writeSamplePanels } from '../demo-samples.js';
import { flag, num, str, UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { progressBars } from '../progress-bar.js';
import { deviceOf, deviceOption, memoryFormatOption, precisionOf, precisionOption, threadCount, threadsOption } from '../common-options.js';
import { programName } from '../program.js';
import { runTraining } from './train.js';

const TRAIN_SCENES = 1024;
const VAL_SCENES = 128;
const SIZE = 64;
const GOAL = 0.9;

export const demo = defineCommand({
  name: 'demo',
  summary: 'end to end on generated data: train ~2 minutes, evaluate, predict (no downloads)',
  usage: 'pixelwise demo [--out DIR] [--seconds N]',
  description:
    'Generates a synthetic segmentation dataset (shapes over textured, noisy backgrounds; the class is\n' +
    'the shape, not its colour), trains a small U-Net on it for about two minutes, evaluates it on\n' +
    'the validation split, predicts a few validation images and writes everything to DIR. The generated\n' +
    'data goes beside it, in DIR-data (kept and reused by a later demo with the same --difficulty).\n' +
    '--precision auto (default) trains in bf16 mixed precision where the hardware runs it fast, else fp32;\n' +
    '--memory-format auto (default) runs channels-last on the CPU.',
  options: {
    out: { type: 'string', short: 'o', help: 'DIR  run folder to create (default ./pixelwise-demo)' },
    seconds: { type: 'string', short: 's', help: 'N  training time budget in seconds (default 120)' },
    threads: threadsOption,
    device: deviceOption,
    precision: precisionOption,
    'memory-format': memoryFormatOption,
    difficulty: { type: 'string', help: 'D  synthetic scenes: 0 (easy) .. 1 (hard), default 0.35' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress bars' },
  },
  async run(args) {
    const out = resolve(str(args, 'out') ?? 'pixelwise-demo');
    if (existsSync(out) && readdirSync(out).length > 0) {
      throw new UsageError(`${out} exists and is not empty; give another --out (nothing was changed)`);
    }
    const seconds = num(args, 'seconds', { min: 1, default: 120 })!;
    const threads = threadCount(args) ?? availableParallelism();
    const difficulty = num(args, 'difficulty', { min: 0, max: 1, default: 0.35 })!;
    const device = await deviceOf(args);
    const { precision, memoryFormat, say: sayPrecision } = await precisionOf(args, device);
    const t0 = Date.now();

    // The data sits beside the run folder, not in it: the run folder holds one run and nothing else.
    const dataDir = `${out}-data`;
    const recipe = JSON.stringify({ train: TRAIN_SCENES, val: VAL_SCENES, size: SIZE, difficulty });
    const marker = join(dataDir, '.demo-data.json');
    if (existsSync(marker) && readFileSync(marker, 'utf8') === recipe) {
      console.error(`using the scenes generated earlier in ${dataDir}`);
    } else {
      if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
        throw new UsageError(`${dataDir} exists and holds other data than this demo generates; remove it or give another --out (nothing was changed)`);
      }
      for (const [split, count] of [['train', TRAIN_SCENES], ['val', VAL_SCENES]] as const) {
        await writeFolderDataset(new SyntheticDataset({ format: 'synthetic', split, count, size: SIZE, difficulty }), dataDir, split);
      }
      writeFileAtomicSync(marker, recipe);
      console.error(`generated ${TRAIN_SCENES} training and ${VAL_SCENES} validation scenes (${SIZE}x${SIZE}, 4 classes) in ${dataDir}`);
    }

    // The epochs are fitted to the time (--fit-budget): poly comes down to 0 as the budget ends,
    // whatever the machine's speed; Dice next to the cross-entropy pushes the overlap (what mean
    // IoU measures) from the first steps.
    const options: TrainRunOptions = {
      data: { format: 'folder', root: dataDir, split: 'train' },
      valSplit: 'val',
      model: 'unet',
      modelOptions: { baseWidth: 16, depth: 2 },
      batchSize: 16,
      lr: 2e-3,
      optimizer: 'adam',
      schedule: 'poly',
      loss: 'ce+dice',
      augment: { hflip: true, vflip: true },
      epochs: 1000,
      timeBudget: seconds,
      fitBudget: true,
      threads,
      out,
      device,
      precision,
      memoryFormat,
      onProgress: flag(args, 'quiet') ? undefined : progressBars(),
    };
    console.error(`training a U-Net (ce + Dice loss, Adam) for ${seconds} s on ${threads} threads`);
    const run = await prepareRun(options);
    const code = await runTraining(run, null, flag(args, 'quiet'), sayPrecision);
    if (code !== 0) return code;

    const { model } = loadCheckpointModel(run.trainer.paths.best);
    const valSpec: DatasetSpec = { format: 'folder', root: dataDir, split: 'val' };
    const val = new DataLoader(valSpec, { batchSize: 16, workers: 0, preprocess: run.config.preprocess });
    const dataset = await val.ready();
    // The best weights are scored on the CPU: in the chosen precision when training ran there too.
    const cpuPrecision = device === undefined || device === 'cpu' ? precision : 'fp32';
    const evaluation = await evaluate(model, val.epoch(0), {
      numClasses: dataset.numClasses,
      classNames: dataset.classNames,
      ignoreIndex: dataset.ignoreIndex,
      precision: cpuPrecision,
      memoryFormat,
    });
    const samplesDir = join(out, 'samples');
    const written = await writeSamplePanels(model, dataset, run.config, samplesDir, 6, cpuPrecision, memoryFormat);
    await val.close();
    model.dispose();

    const miou = evaluation.summary.meanIoU ?? 0;
    console.log(formatTable(evaluation.summary));
    console.log('');
    console.log(`mean IoU on the validation split: ${(100 * miou).toFixed(2)}% (goal >= ${100 * GOAL}%): ${miou >= GOAL ? 'reached' : 'NOT reached'}`);
    console.log(`total time ${((Date.now() - t0) / 1000).toFixed(0)} s. Look at:`);
    const places: [string, string][] = [
      [join(out, 'curves.png'), 'loss and mean IoU per epoch (also .svg)'],
      [`${samplesDir}/*.png`, `image | ground truth | prediction (${written} samples)`],
      [join(out, 'metrics.jsonl'), 'one line of metrics per epoch'],
      [run.trainer.paths.best, 'the best weights (safetensors)'],
    ];
    const width = Math.max(...places.map(([path]) => path.length));
    for (const [path, what] of places) console.log(`  ${path.padEnd(width)}  ${what}`);
    console.log('Next:');
    const pixelwise = programName();
    console.log(`  ${pixelwise} predict --checkpoint ${run.trainer.paths.best} ${join(dataDir, 'val', 'images')} --out ${join(out, 'predictions')}`);
    console.log(`  ${pixelwise} eval --checkpoint ${run.trainer.paths.best} --data ${dataDir} --format folder --split val`);
    console.log(`  ${pixelwise} serve ${out}`);
    return 0;
  },
});
