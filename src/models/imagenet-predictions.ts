// Reading a classifier's scores as the TF-slim VGG16 tutorial does: the top-k classes with names and
// probabilities, and the coarse segmentation of a fully convolutional VGG (argmax per pixel)
// with the classes present in it.
import { noGrad, opMany, tidy, type Tensor } from '../torch/index.js';
import { imagenetClasses } from '../image/classes.js';

export interface ClassScore {
  /** Output channel. */
  index: number;
  name: string;
  /** Softmax probability over all classes. */
  probability: number;
}

function checkNames(names: readonly string[], classes: number, where: string): void {
  if (names.length !== classes) {
    throw new Error(`${where}: ${names.length} class names given for scores with ${classes} classes`);
  }
}

/**
 * The k most probable classes of logits (N, C) or (C), best first: one list per image.
 * Probabilities are the softmax of the logits.
 */
export function topK(logits: Tensor, k = 5, names: readonly string[] = imagenetClasses()): ClassScore[][] {
  if (logits.ndim !== 1 && logits.ndim !== 2) throw new Error(`topK: expected logits (N, C) or (C), got ${logits}`);
  const classes = logits.size(-1);
  checkNames(names, classes, 'topK');
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new Error(`topK: k must be an integer in [1, ${classes}], got ${k}`);
  const [values, indices] = noGrad(() =>
    tidy(() => {
      const probs = (logits.ndim === 1 ? logits.unsqueeze(0) : logits).float().softmax(1);
      const [v, i] = opMany('aten::topk', [probs, k, 1, true, true]);
      return [v!.data() as Float32Array, i!.data() as BigInt64Array] as const;
    }),
  );
  const rows = values.length / k;
  return Array.from({ length: rows }, (_, n) =>
    Array.from({ length: k }, (_, j) => {
      const index = Number(indices[n * k + j]);
      return { index, name: names[index]!, probability: values[n * k + j]! };
    }),
  );
}

export interface SegmentClass {
  index: number;
  name: string;
  /** Pixels of the map labelled with this class. */
  pixels: number;
}

export interface CoarseSegmentation {
  height: number;
  width: number;
  /** Winning class per pixel, row-major. */
  labels: Int32Array;
  /** The classes present, by ascending index (numpy.unique's order). */
  classes: SegmentClass[];
  /** Per pixel, the position of its class in `classes` (the tutorial's relabelling for a discrete colormap). */
  relabeled: Int32Array;
}

/**
 * Argmax over the classes of score maps (N, C, h, w) or (C, h, w): per image the label map, the
 * classes present with their names and pixel counts, and the labels renumbered 0..k-1.
 */
export function coarseSegmentation(scores: Tensor, names: readonly string[] = imagenetClasses()): CoarseSegmentation[] {
  if (scores.ndim !== 3 && scores.ndim !== 4) throw new Error(`coarseSegmentation: expected scores (N, C, h, w) or (C, h, w), got ${scores}`);
  checkNames(names, scores.size(-3), 'coarseSegmentation');
  const [height, width] = [scores.size(-2), scores.size(-1)];
  const all = noGrad(() => tidy(() => (scores.ndim === 3 ? scores.unsqueeze(0) : scores).argmax(1).int().data() as Int32Array));
  const size = height * width;
  return Array.from({ length: all.length / size }, (_, n) => {
    const labels = all.slice(n * size, (n + 1) * size);
    const counts = new Map<number, number>();
    for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
    const present = [...counts.keys()].sort((a, b) => a - b);
    const position = new Map(present.map((index, i) => [index, i]));
    return {
      height,
      width,
      labels,
      classes: present.map((index) => ({ index, name: names[index]!, pixels: counts.get(index)! })),
      relabeled: labels.map((label) => position.get(label)!),
    };
  });
}
