// Deterministic generated scenes for the demo and the tests: sample i of a split is rendered
// from (seed, split, i) alone, so any worker draws the same scene without shared state.
import type { Rgb } from '../../image/color.js';
import { qualitativePalette } from '../../image/palette.js';
import { hashString, mixSeed, Rng } from '../transforms/random.js';
import { renderScene, SHAPES } from './synthetic-scene.js';
import type { Dataset, Sample, SyntheticSpec } from './types.js';

/** The spec with every default filled in. */
export function syntheticDefaults(spec: SyntheticSpec): Required<SyntheticSpec> {
  const split = spec.split ?? 'train';
  const difficulty = spec.difficulty ?? 0.5;
  const filled: Required<SyntheticSpec> = {
    format: 'synthetic',
    root: spec.root ?? '',
    split,
    count: spec.count ?? (split === 'train' ? 512 : 128),
    size: spec.size ?? 64,
    numClasses: spec.numClasses ?? 4,
    noise: spec.noise ?? 4 + 12 * difficulty,
    difficulty,
    seed: spec.seed ?? 0,
    channels: spec.channels ?? 3,
  };
  const bad = (what: string): never => {
    throw new Error(`synthetic dataset: ${what}`);
  };
  if (!Number.isInteger(filled.count) || filled.count < 1) bad(`count ${filled.count}, expected a positive integer`);
  if (!Number.isInteger(filled.size) || filled.size < 16 || filled.size > 2048) bad(`size ${filled.size}, expected an integer in 16..2048`);
  if (!Number.isInteger(filled.numClasses) || filled.numClasses < 2 || filled.numClasses > SHAPES.length + 1) {
    bad(`numClasses ${filled.numClasses}, expected 2..${SHAPES.length + 1} (background + up to ${SHAPES.length} shapes: ${SHAPES.join(', ')})`);
  }
  if (!(filled.difficulty >= 0 && filled.difficulty <= 1)) bad(`difficulty ${filled.difficulty}, expected 0..1`);
  if (!(filled.noise >= 0 && filled.noise <= 128)) bad(`noise ${filled.noise}, expected 0..128 (standard deviation in 0..255 units)`);
  if (!Number.isInteger(filled.seed)) bad(`seed ${filled.seed}, expected an integer`);
  if (filled.channels !== 1 && filled.channels !== 3) bad(`channels ${filled.channels}, expected 1 or 3`);
  return filled;
}

/** Scenes of shapes over textured backgrounds; class 0 is background, class k the k-th shape. */
export class SyntheticDataset implements Dataset {
  readonly spec: Required<SyntheticSpec>;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  readonly ignoreIndex = null;
  readonly palette: readonly Rgb[];
  readonly hasLabels = true;
  readonly problems = [];
  private readonly splitSeed: number;

  constructor(spec: SyntheticSpec) {
    this.spec = syntheticDefaults(spec);
    this.numClasses = this.spec.numClasses;
    this.classNames = ['background', ...SHAPES.slice(0, this.numClasses - 1)];
    this.palette = [[0, 0, 0], ...qualitativePalette(this.numClasses - 1)];
    this.splitSeed = mixSeed(this.spec.seed, hashString(this.spec.split));
  }

  get length(): number {
    return this.spec.count;
  }

  name(i: number): string {
    this.check(i);
    return `${this.spec.split}-${String(i).padStart(String(this.spec.count - 1).length, '0')}`;
  }

  sources(): string[] {
    return [];
  }

  async get(i: number): Promise<Sample> {
    return this.getSync(i);
  }

  /** The scene, synchronously (generation needs no I/O). */
  getSync(i: number): Sample {
    this.check(i);
    const { size, channels } = this.spec;
    const scene = renderScene(new Rng(mixSeed(this.splitSeed, i)), this.spec);
    return {
      name: this.name(i),
      image: { width: size, height: size, channels, data: scene.image },
      label: { width: size, height: size, data: scene.label },
    };
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.spec.count) throw new RangeError(`synthetic dataset: sample index ${i} out of range, expected 0..${this.spec.count - 1}`);
  }
}
