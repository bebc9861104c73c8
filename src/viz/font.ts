// A 5x7 bitmap font (plus two descender rows) for printable ASCII, drawn for pixelwise.
// Each glyph is written as rows of 5 cells, '#' on, '.' off; rows 0-6 sit on the baseline,
// rows 7-8 (optional) hang below it for g, j, p, q, y and friends.

/** Glyph cell width in font pixels. */
export const GLYPH_WIDTH = 5;
/** Rows from the top of capitals to the baseline. */
export const CAP_HEIGHT = 7;
/** Rows below the baseline used by descenders. */
export const DESCENT = 2;
/** Horizontal distance from one glyph to the next (one empty column between glyphs). */
export const ADVANCE = 6;
/** Vertical distance between lines of text. */
export const LINE_HEIGHT = 11;

const GLYPHS: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. .#.#. ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '$': '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '....# ....# ...#. ..#.. .#... #.... #....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. .##.. ..#.. .#...',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# #.### #.#.# #.### #.... .####',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '#.... #.... .#... ..#.. ...#. ....# ....#',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ..... ..... ..... ..... .....',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .#### #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
};

// Drawn for any character outside printable ASCII, so a missing glyph is visible, not silent.
const MISSING = '##### #...# #...# #...# #...# #...# #####';

// Characters commonly met in labels, folded to the nearest ASCII glyph.
const FOLD: Record<string, string> = { '\u2212': '-', '\u2013': '-', '\u2014': '-', '\u00a0': ' ', '\u2019': "'", '\u00d7': 'x' };

/** Rows of one glyph as bit masks (bit 4 = leftmost column), CAP_HEIGHT + DESCENT entries. */
export type GlyphRows = Uint8Array;

function parseGlyph(spec: string, ch: string): GlyphRows {
  const rows = spec.split(' ');
  if (rows.length < CAP_HEIGHT || rows.length > CAP_HEIGHT + DESCENT || rows.some((r) => r.length !== GLYPH_WIDTH)) {
    throw new Error(`font glyph ${JSON.stringify(ch)} is malformed`);
  }
  const out = new Uint8Array(CAP_HEIGHT + DESCENT);
  rows.forEach((row, y) => {
    let bits = 0;
    for (const c of row) bits = (bits << 1) | (c === '#' ? 1 : 0);
    out[y] = bits;
  });
  return out;
}

const TABLE = new Map<string, GlyphRows>(Object.entries(GLYPHS).map(([ch, spec]) => [ch, parseGlyph(spec, ch)]));
const MISSING_ROWS = parseGlyph(MISSING, 'missing');

/** The bitmap of `ch`; a hollow box for characters the font lacks. */
export function glyph(ch: string): GlyphRows {
  return TABLE.get(FOLD[ch] ?? ch) ?? MISSING_ROWS;
}

/** True when the font has a real glyph for `ch`. */
export function hasGlyph(ch: string): boolean {
  return TABLE.has(FOLD[ch] ?? ch);
}

export interface TextStyle {
  /** Integer magnification of the 5x7 font; 1 draws 7-pixel capitals. */
  scale?: number;
  /** Thicken strokes by one (scaled) column. */
  bold?: boolean;
}

/** Size of `text` in pixels: width of the ink box, cap height, descent below the baseline. */
export function measureText(text: string, style: TextStyle = {}): { width: number; height: number; descent: number } {
  const s = checkScale(style.scale ?? 1);
  const n = [...text].length;
  const extra = style.bold ? boldOffset(s) : 0;
  const width = n === 0 ? 0 : (n * (ADVANCE * s + extra)) - s;
  return { width, height: CAP_HEIGHT * s, descent: DESCENT * s };
}

/** Horizontal pixel shift of the second stroke of bold text. */
export function boldOffset(scale: number): number {
  return Math.max(1, scale >> 1);
}

/** Validates a font scale: a positive integer. */
export function checkScale(scale: number): number {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new Error(`font scale ${scale} must be an integer between 1 and 64`);
  }
  return scale;
}

/**
 * Calls `plot(x, y)` for every ink pixel of `text` laid out from (0, 0) = top-left of the
 * capitals, unrotated; callers translate and rotate. Pixels come in font-pixel blocks of scale².
 */
export function rasterizeText(text: string, style: TextStyle, plot: (x: number, y: number) => void): void {
  const s = checkScale(style.scale ?? 1);
  const extra = style.bold ? boldOffset(s) : 0;
  let penX = 0;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < rows.length; gy++) {
      const bits = rows[gy]!;
      if (bits === 0) continue;
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!(bits & (1 << (GLYPH_WIDTH - 1 - gx)))) continue;
        const x0 = penX + gx * s;
        const y0 = gy * s;
        for (let dy = 0; dy < s; dy++) {
          for (let dx = 0; dx < s + extra; dx++) plot(x0 + dx, y0 + dy);
        }
      }
    }
    penX += ADVANCE * s + extra;
  }
}
