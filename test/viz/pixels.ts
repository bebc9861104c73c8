// Reading pixels of a rendered RawImage in tests.
import type { Rgba } from '../../src/image/color.js';
import type { RawImage } from '../../src/image/types.js';

export class Pixels {
  readonly width: number;
  readonly height: number;
  constructor(private readonly image: RawImage) {
    this.width = image.width;
    this.height = image.height;
  }

  /** RGBA of pixel (x, y), whatever the image's channel count. */
  getPixel(x: number, y: number): Rgba {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new Error(`pixel (${x}, ${y}) is outside the ${this.width}x${this.height} image`);
    const i = y * this.width + x;
    const d = this.image.data;
    switch (this.image.channels) {
      case 1: return [d[i]!, d[i]!, d[i]!, 255];
      case 2: return [d[2 * i]!, d[2 * i]!, d[2 * i]!, d[2 * i + 1]!];
      case 3: return [d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!, 255];
      default: return [d[4 * i]!, d[4 * i + 1]!, d[4 * i + 2]!, d[4 * i + 3]!];
    }
  }
}
