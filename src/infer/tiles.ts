// Sliding-window layout for large images and the weights that blend overlapping windows:
// each window's probabilities fade in over the part it shares with a neighbour (a raised
// cosine), so seams vanish; the weighted sum is normalised by the summed weights.

/** A window in image pixels. */
export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Window starts along one axis: `tile`-long windows overlapping by at least `overlap`,
 * spread evenly from 0 to size - tile (the last flush with the border). One window when
 * tile >= size.
 */
export function axisStarts(size: number, tile: number, overlap: number): number[] {
  checkTiling(tile, overlap);
  if (tile >= size) return [0];
  const count = Math.ceil((size - tile) / (tile - overlap)) + 1;
  const span = size - tile;
  return Array.from({ length: count }, (_, i) => Math.round((i * span) / (count - 1)));
}

/** Windows covering a width x height image, row by row. */
export function tileWindows(width: number, height: number, tile: number, overlap: number): Window[] {
  const xs = axisStarts(width, tile, overlap);
  const ys = axisStarts(height, tile, overlap);
  const w = Math.min(tile, width);
  const h = Math.min(tile, height);
  return ys.flatMap((y) => xs.map((x) => ({ x, y, width: w, height: h })));
}

/**
 * Weights along one axis of a window of `length` pixels that shares `before` pixels with the
 * previous window and `after` with the next. Over a shared stretch of n pixels the weight is 0
 * in the quarter nearest the window's edge (where the window saw least context), rises as a
 * raised cosine through the middle half and is 1 beyond; the neighbour's ramp is its mirror
 * image, so the two always sum to 1 and seams vanish.
 */
export function rampWeights(length: number, before: number, after: number): Float32Array {
  const w = new Float32Array(length).fill(1);
  const rise = (d: number, n: number): number => {
    const t = (d + 0.5) / n;
    return t <= 0.25 ? 0 : t >= 0.75 ? 1 : 0.5 - 0.5 * Math.sin(2 * Math.PI * t);
  };
  for (let d = 0; d < Math.min(before, length); d++) w[d]! *= rise(d, before);
  for (let d = 0; d < Math.min(after, length); d++) w[length - 1 - d]! *= rise(d, after);
  return w;
}

/** Per-axis weights of every window start along an axis (overlaps taken from the actual neighbours). */
export function axisWeights(starts: readonly number[], length: number): Float32Array[] {
  return starts.map((s, i) => {
    const before = i > 0 ? Math.max(0, starts[i - 1]! + length - s) : 0;
    const after = i + 1 < starts.length ? Math.max(0, s + length - starts[i + 1]!) : 0;
    return rampWeights(length, before, after);
  });
}

/** Throws unless tile is a positive integer and 0 <= overlap < tile. */
export function checkTiling(tile: number, overlap: number): void {
  if (!Number.isInteger(tile) || tile < 1) throw new Error(`tile size ${tile}, expected a positive integer`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile) {
    throw new Error(`tile overlap ${overlap}, expected an integer from 0 to ${tile - 1} (less than the tile size ${tile})`);
  }
}

/** The default overlap for a tile size: a quarter of it. */
export function defaultOverlap(tile: number): number {
  return Math.floor(tile / 4);
}
