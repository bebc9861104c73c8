// Display sizes: how large a small map or a large photo is drawn.

/** The integer factor that brings the longer side of a w x h map to at least `minSide` pixels. */
export function upscaleFactor(width: number, height: number, minSide: number): number {
  return Math.max(1, Math.ceil(minSide / Math.max(width, height)));
}

/**
 * Display size for a map: integer upscaling until the longer side reaches `minSide`, then
 * shrinking (aspect kept) if it exceeds `maxSide`.
 */
export function displaySize(width: number, height: number, minSide = 192, maxSide = 512): [number, number] {
  const k = upscaleFactor(width, height, minSide);
  let w = width * k, h = height * k;
  const longer = Math.max(w, h);
  if (longer > maxSide) {
    w = Math.max(1, Math.round((w * maxSide) / longer));
    h = Math.max(1, Math.round((h * maxSide) / longer));
  }
  return [w, h];
}
