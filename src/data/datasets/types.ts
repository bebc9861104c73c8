// What every dataset format hands out, and the serialisable specs that open them. A spec is
// plain JSON so a worker thread can reopen the same dataset, the cache can hash it and a
// checkpoint can record it.
import type { Rgb } from '../../image/color.js';
import type { LabelArray, LabelMap, RawImage } from '../../image/types.js';

/** One item of a dataset, decoded but not preprocessed. */
export interface Sample {
  /** A stable name: the file stem, or `<split>/<index>` for array formats. */
  name: string;
  /** Decoded pixels: 8-bit, or floats when the source stores floats (a float32 .npy). */
  image: RawImage<Uint8Array | Float32Array>;
  /** Class indices (after the format's mapping, ignored pixels = ignoreIndex); absent for image-only data (MNIST for autoencoders) and unlabelled test splits. */
  label?: LabelMap<LabelArray>;
  /** A whole-image class (MNIST's digit), when the format has one. */
  classIndex?: number;
}

/** The common part of every spec. */
export interface BaseDatasetSpec {
  format: string;
  /** The dataset's folder; relative paths resolve against the working directory. */
  root?: string;
  split?: string;
}

/** images/ + masks/ matched by file stem; optional classes.json beside them or in root. */
export interface FolderSpec extends BaseDatasetSpec {
  format: 'folder';
  root: string;
  /** A sub-folder of root holding images/ and masks/ (e.g. 'train'); omit when root holds them. */
  split?: string;
  /** Folder names, default 'images' and 'masks'. */
  imagesDir?: string;
  masksDir?: string;
  /**
   * How mask pixels become classes. 'index': stored values are class indices (gray or palette
   * PNG); 'binary': gray values >= threshold are class 1, others 0 (0/255 masks); 'color': RGB
   * colours mapped through classes.json colours; 'auto' (default): palette/gray → index, RGB →
   * color, and a gray first mask holding only 0 and 255 with no class count given → binary.
   */
  maskMode?: 'auto' | 'index' | 'binary' | 'color';
  /** Binary threshold on 8-bit gray values (default 128). */
  threshold?: number;
  /** Overrides / stands in for classes.json. */
  numClasses?: number;
  classNames?: string[];
  ignoreIndex?: number | null;
  /** Path of a classes.json (default: <root>/<split>/classes.json, then <root>/classes.json). */
  classesFile?: string;
}

/** CamVid in SegNet's layout: train/ + trainannot/, val/ + valannot/, test/ + testannot/. */
export interface CamvidSpec extends BaseDatasetSpec {
  format: 'camvid';
  root: string;
  split: string;
}

/** PASCAL VOC 2012 (VOCdevkit/VOC2012 or the VOC2012 folder itself). */
export interface VocSpec extends BaseDatasetSpec {
  format: 'voc';
  root: string;
  /** A list in ImageSets/Segmentation: 'train', 'val', 'trainval'. */
  split: string;
}

/** MIT Scene Parsing (ADEChallengeData2016). */
export interface Ade20kSpec extends BaseDatasetSpec {
  format: 'ade20k';
  root: string;
  /** 'train' / 'training' or 'val' / 'validation'. */
  split: string;
}

/** Arrays in NumPy files: images (N,H,W[,C]) and labels one-hot (N,H,W,K) or indices (N,H,W[,1]). */
export interface NpySpec extends BaseDatasetSpec {
  format: 'npy';
  /** Paths relative to root (or absolute). */
  images: string;
  labels?: string;
  /**
   * 'auto' (default): a last dimension > 1 on a 4-d array is one-hot; otherwise indices, or
   * 'binary' when the values are only 0 and 255 and numClasses is not given.
   * 'binary': values >= threshold are class 1, others class 0.
   */
  labelEncoding?: 'auto' | 'onehot' | 'index' | 'binary';
  /** Threshold for binary labels (default 128; 0.5 suits float masks of 0..1). */
  threshold?: number;
  /** 'all' (default), or 'train' / 'val' to split off the last valFraction of the samples. */
  split?: 'all' | 'train' | 'val';
  valFraction?: number;
  numClasses?: number;
  classNames?: string[];
  ignoreIndex?: number | null;
}

/** MNIST IDX files (gzip or raw): images, their digits as classIndex, no masks. */
export interface MnistSpec extends BaseDatasetSpec {
  format: 'mnist';
  root: string;
  /** 'train' (train-*) or 'test' (t10k-*). */
  split: string;
}

/** Generated scenes of shapes over textured backgrounds; the class is the shape. */
export interface SyntheticSpec extends BaseDatasetSpec {
  format: 'synthetic';
  /** 'train', 'val' or 'test' (or any name): each split draws different scenes. */
  split?: string;
  /** Number of scenes (default 512 for train, 128 otherwise). */
  count?: number;
  /** Side length in pixels (default 64). */
  size?: number;
  /** Background + shape classes, 2..9 (default 4: background, circle, square, triangle). */
  numClasses?: number;
  /** Pixel noise standard deviation in 0..255 units (default: from difficulty). */
  noise?: number;
  /** 0 (clean, large, apart) .. 1 (textured, small, occluding, noisy); default 0.5. */
  difficulty?: number;
  /** Seed for the whole dataset (default 0). */
  seed?: number;
  /** RGB (3, default) or gray (1) images. */
  channels?: 1 | 3;
}

export type DatasetSpec = FolderSpec | CamvidSpec | VocSpec | Ade20kSpec | NpySpec | MnistSpec | SyntheticSpec;
export type DatasetFormat = DatasetSpec['format'];

/** A problem found while opening a dataset leniently (for checkDataset). */
export interface DatasetProblem {
  kind: ProblemKind;
  /** The file or folder concerned. */
  file: string;
  message: string;
}

export type ProblemKind =
  | 'missing-folder'
  | 'missing-file'
  | 'missing-mask'
  | 'missing-image'
  | 'size-mismatch'
  | 'label-out-of-range'
  | 'unreadable'
  | 'too-large'
  | 'bad-spec';

/** A random-access segmentation dataset. */
export interface Dataset {
  /** The spec it was opened from, with defaults filled in (serialisable). */
  readonly spec: DatasetSpec;
  readonly length: number;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  /** The label value to ignore in loss and metrics, or null when every pixel counts. */
  readonly ignoreIndex: number | null;
  /** Colours for visualisation, one per class. */
  readonly palette: readonly Rgb[];
  /** Whether samples carry label maps (false for MNIST and unlabelled splits). */
  readonly hasLabels: boolean;
  /** Problems skipped while opening leniently; empty for a strict open. */
  readonly problems: readonly DatasetProblem[];
  /** The name of sample i without decoding it. */
  name(i: number): string;
  /** Files sample i is read from (for cache keys: their size and mtime invalidate entries). */
  sources(i: number): string[];
  /** Decodes sample i; errors name the file. */
  get(i: number): Promise<Sample>;
}
