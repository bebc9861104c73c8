// One generated scene: shapes of random colour, size, position and slight rotation over a
// textured, noisy background, with distractor strokes. The class is the shape, never its
// colour, so a model has to learn form; `difficulty` moves every knob at once.
import { Rng } from '../transforms/random.js';

/** Shape kinds in class order: class k (k >= 1) is SHAPES[k - 1]; class 0 is background. */
export const SHAPES = ['circle', 'square', 'triangle', 'cross', 'ring', 'diamond', 'star', 'bar'] as const;
export type ShapeKind = (typeof SHAPES)[number];

export interface SceneOptions {
  size: number;
  /** Background + shape classes, 2..SHAPES.length + 1. */
  numClasses: number;
  /** 0..1 */
  difficulty: number;
  /** Gaussian pixel noise, standard deviation in 0..255 units. */
  noise: number;
  channels: 1 | 3;
}

export interface Scene {
  image: Uint8Array;
  label: Uint8Array;
  /** The classes of the shapes drawn, in drawing order. */
  shapes: number[];
}

// Inside tests in the shape's own frame: unit "radius", y pointing down.
const INSIDE: Record<ShapeKind, (u: number, v: number) => boolean> = {
  circle: (u, v) => u * u + v * v <= 1,
  square: (u, v) => Math.abs(u) <= 0.82 && Math.abs(v) <= 0.82,
  triangle: (u, v) => v <= 0.55 && Math.sqrt(3) * Math.abs(u) - v <= 1.05,
  cross: (u, v) => (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1),
  ring: (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 1 && r2 >= 0.3;
  },
  diamond: (u, v) => Math.abs(u) + Math.abs(v) <= 1.1,
  star: (u, v) => {
    const rho = Math.hypot(u, v);
    return rho <= 0.6 + 0.45 * Math.cos(5 * Math.atan2(v, u) + Math.PI / 2);
  },
  bar: (u, v) => Math.abs(u) <= 1.05 && Math.abs(v) <= 0.36,
};

interface Placed {
  cls: number;
  inside: (u: number, v: number) => boolean;
  cx: number;
  cy: number;
  r: number;
  cos: number;
  sin: number;
  color: [number, number, number];
  shade: number;
}

/** Renders one scene deterministically from rng. */
export function renderScene(rng: Rng, o: SceneOptions): Scene {
  const { size, numClasses, difficulty: d } = o;
  const n = size * size;
  const bg = background(rng, size, d);
  const bgMean = meanColor(bg);

  // Distractors: strokes in random colours that stay background, so edges and colour alone do not find objects.
  const strokes = d < 0.25 ? 0 : rng.int(1, 1 + Math.round(2 * d));
  for (let s = 0; s < strokes; s++) stroke(rng, bg, size, contrasting(rng, bgMean), 0.8 + 1.2 * d);

  const count = rng.int(2, 3 + Math.round(2 * d));
  const kinds = numClasses - 1;
  // A shuffled cycle of shape classes: every class equally often over the dataset.
  const offset = rng.int(0, kinds - 1);
  const classes = Array.from({ length: count }, (_, j) => 1 + ((offset + j) % kinds));
  for (let j = classes.length - 1; j > 0; j--) {
    const k = rng.int(0, j);
    [classes[j], classes[k]] = [classes[k]!, classes[j]!];
  }

  const rMin = size * (0.13 - 0.05 * d);
  const rMax = size * (0.23 - 0.03 * d);
  const maxTilt = (Math.PI / 180) * (5 + 15 * d);
  const placed: Placed[] = [];
  const allowOverlap = rng.chance(d);
  for (const cls of classes) {
    let shape: Placed | undefined;
    for (let attempt = 0; attempt < 30 && !shape; attempt++) {
      const r = rng.uniform(rMin, rMax);
      const cx = rng.uniform(r * 0.6, size - r * 0.6);
      const cy = rng.uniform(r * 0.6, size - r * 0.6);
      // Occlusion only partial: centres stay apart so something of every shape shows.
      const minGap = allowOverlap ? 0.65 : 1.05;
      if (placed.some((p) => Math.hypot(p.cx - cx, p.cy - cy) < minGap * (p.r + r))) continue;
      const angle = rng.uniform(-maxTilt, maxTilt);
      shape = {
        cls,
        inside: INSIDE[SHAPES[cls - 1]!],
        cx,
        cy,
        r,
        cos: Math.cos(angle),
        sin: Math.sin(angle),
        color: contrasting(rng, bgMean),
        shade: rng.uniform(-1, 1) * 30 * d,
      };
    }
    if (shape) placed.push(shape);
  }

  const label = new Uint8Array(n);
  const image = bg;
  // 2x2 supersampling softens edges in the image; the label takes the pixel centre.
  const offsets = [-0.25, 0.25];
  for (const p of placed) {
    const x0 = Math.max(0, Math.floor(p.cx - 1.5 * p.r));
    const x1 = Math.min(size - 1, Math.ceil(p.cx + 1.5 * p.r));
    const y0 = Math.max(0, Math.floor(p.cy - 1.5 * p.r));
    const y1 = Math.min(size - 1, Math.ceil(p.cy + 1.5 * p.r));
    const at = (x: number, y: number) => {
      const dx = (x - p.cx) / p.r;
      const dy = (y - p.cy) / p.r;
      return p.inside(p.cos * dx + p.sin * dy, -p.sin * dx + p.cos * dy);
    };
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let cover = 0;
        for (const oy of offsets) for (const ox of offsets) if (at(x + 0.5 + ox, y + 0.5 + oy)) cover++;
        if (at(x + 0.5, y + 0.5)) label[y * size + x] = p.cls;
        if (cover === 0) continue;
        const a = cover / 4;
        // A linear shade across the shape: texture on objects too at higher difficulty.
        const shade = (p.shade * (x - p.cx)) / p.r;
        const i = 3 * (y * size + x);
        for (let c = 0; c < 3; c++) image[i + c] = clamp(image[i + c]! * (1 - a) + (p.color[c]! + shade) * a);
      }
    }
  }

  if (o.noise > 0) for (let i = 0; i < image.length; i++) image[i] = clamp(image[i]! + o.noise * rng.normal());
  return { image: o.channels === 3 ? image : toLuma(image, n), label, shapes: placed.map((p) => p.cls) };
}

// Smooth value noise (a coarse random grid, bilinearly interpolated) tinting a random base colour.
function background(rng: Rng, size: number, d: number): Uint8Array {
  const base = [rng.uniform(40, 215), rng.uniform(40, 215), rng.uniform(40, 215)];
  const amp = 12 + 50 * d;
  const layers = [valueNoise(rng, size, 3), valueNoise(rng, size, 5 + Math.round(6 * d))];
  const tint = [0, 1, 2].map(() => rng.uniform(0.5, 1.5));
  const stripes = d >= 0.4 ? { f: rng.uniform(0.15, 0.6), a: rng.uniform(0, Math.PI), amp: 8 + 16 * d } : undefined;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      let v = amp * (layers[0]![i]! + 0.6 * layers[1]![i]!);
      if (stripes) v += stripes.amp * Math.sin(stripes.f * (x * Math.cos(stripes.a) + y * Math.sin(stripes.a)));
      for (let c = 0; c < 3; c++) out[3 * i + c] = clamp(base[c]! + v * tint[c]!);
    }
  }
  return out;
}

function valueNoise(rng: Rng, size: number, cells: number): Float32Array {
  const g = cells + 1;
  const grid = Float32Array.from({ length: g * g }, () => rng.uniform(-1, 1));
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const fy = (y / size) * cells;
    const gy = Math.floor(fy);
    const ty = fy - gy;
    for (let x = 0; x < size; x++) {
      const fx = (x / size) * cells;
      const gx = Math.floor(fx);
      const tx = fx - gx;
      const a = grid[gy * g + gx]! * (1 - tx) + grid[gy * g + gx + 1]! * tx;
      const b = grid[(gy + 1) * g + gx]! * (1 - tx) + grid[(gy + 1) * g + gx + 1]! * tx;
      out[y * size + x] = a * (1 - ty) + b * ty;
    }
  }
  return out;
}

function meanColor(rgb: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sum[i % 3]! += rgb[i]!;
  const n = rgb.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

const luma = (c: readonly number[]) => 0.299 * c[0]! + 0.587 * c[1]! + 0.114 * c[2]!;

// A random colour that stands out from the background by brightness (so gray images keep the shapes visible).
function contrasting(rng: Rng, against: readonly number[]): [number, number, number] {
  const target = luma(against);
  let best: [number, number, number] = [0, 0, 0];
  let bestGap = -1;
  for (let attempt = 0; attempt < 20; attempt++) {
    const c: [number, number, number] = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    const gap = Math.abs(luma(c) - target);
    if (gap >= 60) return c;
    if (gap > bestGap) [best, bestGap] = [c, gap];
  }
  return best;
}

// A random polyline a pixel or two wide.
function stroke(rng: Rng, rgb: Uint8Array, size: number, color: readonly number[], width: number): void {
  let x = rng.uniform(0, size);
  let y = rng.uniform(0, size);
  let angle = rng.uniform(0, 2 * Math.PI);
  const steps = Math.round(size * rng.uniform(0.5, 1.2));
  const half = width / 2;
  for (let s = 0; s < steps; s++) {
    angle += rng.uniform(-0.25, 0.25);
    x += Math.cos(angle);
    y += Math.sin(angle);
    for (let yy = Math.floor(y - half); yy <= Math.ceil(y + half); yy++) {
      for (let xx = Math.floor(x - half); xx <= Math.ceil(x + half); xx++) {
        if (xx < 0 || yy < 0 || xx >= size || yy >= size || Math.hypot(xx + 0.5 - x, yy + 0.5 - y) > half + 0.2) continue;
        const i = 3 * (yy * size + xx);
        rgb[i] = color[0]!;
        rgb[i + 1] = color[1]!;
        rgb[i + 2] = color[2]!;
      }
    }
  }
}

function toLuma(rgb: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
