// A ground-truth mask file for one image: class indices (gray or palette PNG), 0/255 binary
// masks, or colour masks matched against the checkpoint's class colours.
import { readLabelImageAsync } from '../image/files.js';
import type { LabelMap } from '../image/types.js';

export interface ReadMaskOptions {
  /** The image's size; a mask of another size is an error. */
  width?: number;
  height?: number;
  /** Class colours for RGB masks. */
  palette?: readonly (readonly [number, number, number])[];
  /** Foreground (1) / background (0) only: any non-zero value is foreground. */
  binary?: boolean;
}

/** Reads a mask as class indices (0/1 with `binary`); 0/255 masks of two-class models become 0/1. */
export async function readMask(path: string, o: ReadMaskOptions = {}): Promise<LabelMap<Int32Array>> {
  const label = await readLabelImageAsync(path);
  const { width, height } = label;
  if ((o.width !== undefined && o.width !== width) || (o.height !== undefined && o.height !== height)) {
    throw new Error(`mask ${path} is ${height}x${width} (HxW), expected ${o.height}x${o.width} like the image`);
  }
  const n = width * height;
  const data = new Int32Array(n);
  if (label.channels === 3) {
    const index = new Map((o.palette ?? []).map((c, i) => [(c[0] << 16) | (c[1] << 8) | c[2], i]));
    for (let i = 0; i < n; i++) {
      const [r, g, b] = [label.data[3 * i]!, label.data[3 * i + 1]!, label.data[3 * i + 2]!];
      const key = (r << 16) | (g << 8) | b;
      if (o.binary) data[i] = key === 0 ? 0 : 1;
      else {
        const k = index.get(key);
        if (k === undefined) throw new Error(`mask ${path}: colour (${r}, ${g}, ${b}) at pixel (${i % width}, ${Math.floor(i / width)}) is none of the ${index.size} class colours`);
        data[i] = k;
      }
    }
    return { width, height, data };
  }
  // A 0/255 mask of a two-class model is foreground/background, not class 255.
  let zeroOr255 = (o.palette?.length ?? 2) <= 2;
  for (let i = 0; i < n && zeroOr255; i++) if (label.data[i] !== 0 && label.data[i] !== 255) zeroOr255 = false;
  for (let i = 0; i < n; i++) {
    const v = label.data[i]!;
    data[i] = o.binary || zeroOr255 ? (v > 0 ? 1 : 0) : v;
  }
  return { width, height, data };
}
