// pixelwise inspect threshold: a binary model's prediction above a threshold, scored by IoU
// against the mask (the TGS U-Net tutorial's threshold viewer); --sweep plots IoU against threshold.
import { loadPredictor } from '../../../infer/predictor.js';
import { predictImage } from '../../../inspect/prediction.js';
import { probabilityView } from '../../../inspect/threshold.js';
import { DEFAULT_SWEEP, foregroundIoU, thresholdSweep } from '../../../metrics/binary.js';
import { thresholdPlot } from '../../../viz/plot.js';
import { thresholdView } from '../../../viz/threshold.js';
import { flag, num, requireStr, UsageError } from '../../args.js';
import { defineCommand } from '../../command.js';
import { checkpointOption, deviceOf, pngOutOption, pngOutPath, writeOutputs } from '../../common-options.js';
import { inputFromArgs, inputOptionSpecs } from './common.js';

/** The viewer's slider: 0, 0.05, ..., 0.95. */
const SLIDER: readonly number[] = [0, ...DEFAULT_SWEEP];

/** An IoU in percent, 'n/a' where it is undefined (neither mask nor prediction has foreground). */
const percent = (iou: number, digits: number): string => (Number.isNaN(iou) ? 'n/a' : `${(100 * iou).toFixed(digits)}%`);

export const threshold = defineCommand({
  name: 'threshold',
  summary: "a binary model's prediction above a threshold, with its IoU (--sweep: IoU vs threshold)",
  usage: 'pixelwise inspect threshold --checkpoint CKPT (--image IMG [--mask M] | --data DIR --format F [--index N]) [--threshold T | --sweep] --out F.png',
  description:
    'Draws image | mask | prediction > T for a binary model, titled with the foreground IoU\n' +
    '(|A and B| / |A or B|; n/a when neither mask nor prediction has foreground).\n' +
    'Without a mask: image | probability | prediction > T.',
  options: {
    checkpoint: { ...checkpointOption, help: 'CKPT  a binary model (one sigmoid output, or two classes)' },
    ...inputOptionSpecs,
    threshold: { type: 'string', short: 't', help: 'T  probability above which a pixel is foreground (default 0.5)' },
    sweep: { type: 'boolean', help: 'plot IoU against thresholds 0, 0.05, ..., 0.95 instead (PNG + SVG; needs a mask)' },
    out: pngOutOption,
  },
  async run(args) {
    const path = requireStr(args, 'checkpoint', 'the binary model to run');
    const t = num(args, 'threshold', { min: 0, max: 1, default: 0.5 })!;
    const sweep = flag(args, 'sweep');
    const out = pngOutPath(args);
    const predictor = loadPredictor(path, { device: await deviceOf(args) });
    try {
      const input = await inputFromArgs(args, predictor.classes.palette, true);
      if (sweep && !input.truth) throw new UsageError('--sweep scores each threshold against a mask: give --mask (or a dataset sample with one)');
      const p = predictImage(predictor, input.sample);
      if (!p.foreground) {
        const { architecture, numClasses } = predictor.model;
        throw new Error(`${path} holds a ${architecture} with ${numClasses} output classes; threshold needs a binary model (one sigmoid output or two classes)`);
      }
      if (sweep) {
        const { iou: ious, best } = thresholdSweep(p.foreground, input.truth!, SLIDER);
        const figure = thresholdPlot(SLIDER, ious, { title: `IoU vs threshold: ${input.name}` });
        const files = writeOutputs(out, figure.toImage(), figure);
        console.log('threshold  IoU');
        SLIDER.forEach((th, i) => console.log(`${th.toFixed(2).padStart(9)}  ${percent(ious[i]!, 1)}`));
        if (best) console.log(`best threshold ${best.threshold.toFixed(2)}: IoU ${percent(best.iou, 1)}`);
        else console.log('best threshold: none (neither the mask nor the prediction has foreground at any threshold)');
        console.log(`wrote ${files.join(', ')}`);
        return 0;
      }
      if (input.truth) {
        const iou = foregroundIoU(p.foreground, input.truth, t);
        const image = thresholdView(input.image, input.truth, p.foreground, { threshold: t, name: input.name });
        writeOutputs(out, image);
        console.log(`${input.name}: threshold ${t.toFixed(2)}, IoU = ${Number.isNaN(iou) ? 'n/a' : `${Math.round(iou * 100)} %`}`);
        console.log(`wrote ${out} (${image.height}x${image.width} HxW)`);
      } else {
        const image = probabilityView(input.image, p.foreground, t);
        writeOutputs(out, image);
        let above = 0;
        for (const v of p.foreground.data as Float32Array) if (v > t) above++;
        console.log(`${input.name}: threshold ${t.toFixed(2)}, ${((100 * above) / p.foreground.data.length).toFixed(1)}% of pixels foreground (no mask: no IoU)`);
        console.log(`wrote ${out} (${image.height}x${image.width} HxW)`);
      }
      return 0;
    } finally {
      predictor.dispose();
    }
  },
});
