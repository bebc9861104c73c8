// The in-memory image every decoder returns and every encoder / drawing routine takes.

/** Interleaved 8-bit pixels, row-major: data[(y * width + x) * channels + c]. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

export function createImage(width: number, height: number, channels: RawImage['channels'], fill = 0): RawImage {
  return { width, height, channels, data: new Uint8Array(width * height * channels).fill(fill) };
}
