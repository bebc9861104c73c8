// The image vocabulary of the whole library: one image type, one label-map type, one map of
// real values, and the channels-first layout tensors use. Decoders return RawImage, datasets
// hand out RawImage + LabelMap, prediction returns LabelMap + ScalarMap, drawing takes them.

/** Element arrays an image may hold: 8-bit pixels (the usual), 16-bit samples, or floats. */
export type PixelArray = Uint8Array | Uint16Array | Float32Array | Float64Array;

/** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
export type Channels = 1 | 2 | 3 | 4;

/**
 * An image: interleaved pixels, row-major, data[(y * width + x) * channels + c]. 8-bit by
 * default; Float32Array for float sources (a float .npy), Uint16Array for 16-bit PNG samples.
 */
export interface RawImage<D extends PixelArray = Uint8Array> {
  width: number;
  height: number;
  channels: Channels;
  data: D;
}

/** Arrays of class indices. */
export type LabelArray = Uint8Array | Uint16Array | Int32Array;

/**
 * A per-pixel class index map, row-major: data[y * width + x]. Datasets and prediction give
 * typed arrays (LabelMap<LabelArray>); drawing accepts any numbers.
 */
export interface LabelMap<D extends ArrayLike<number> = ArrayLike<number>> {
  width: number;
  height: number;
  data: D;
}

/** A per-pixel real-valued map (probabilities, activations, filter weights), row-major. */
export interface ScalarMap<D extends ArrayLike<number> = ArrayLike<number>> {
  width: number;
  height: number;
  data: D;
}

/**
 * A label file as stored, before its values become classes: palette indices (with the
 * palette), raw gray values (a 16-bit PNG gives a Uint16Array), or RGB colours (channels 3).
 */
export type StoredLabels = RawImage<Uint8Array | Uint16Array> & {
  /** The PNG palette (RGB triples) of a palette image, e.g. PASCAL VOC's colour map. */
  palette?: Uint8Array;
};

/**
 * The layout tensors use, channels first: data[(c * height + y) * width + x]. The data pipeline
 * works on it from decoding to normalisation (8-bit, or float after normalising), and it
 * becomes a (C, H, W) tensor without a copy.
 */
export interface ChwImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Float32Array;
}

/** A new 8-bit image filled with `fill`. */
export function createImage(width: number, height: number, channels: Channels, fill = 0): RawImage {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(fill) };
}

/** A new pixel array of the same kind as `like` (8-bit stays 8-bit, float32 stays float32). */
export function allocPixels(like: Uint8Array | Float32Array, n: number): Uint8Array | Float32Array {
  return like instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
}

/** A new label array of the same kind as `like` (Int32Array for plain number arrays). */
export function allocLabels(like: ArrayLike<number>, n: number): LabelArray {
  if (like instanceof Uint8Array) return new Uint8Array(n);
  if (like instanceof Uint16Array) return new Uint16Array(n);
  return new Int32Array(n);
}
