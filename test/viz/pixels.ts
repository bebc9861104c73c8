// Reading pixels of a rendered RawImage in tests.
import type { RawImage } from '../../src/data/raw-image.js';
import { pixelOf } from '../../src/viz/pixels.js';
import type { Rgba } from '../../src/viz/color.js';

export class Pixels {
  readonly width: number;
  readonly height: number;
  constructor(private readonly image: RawImage) {
    this.width = image.width;
    this.height = image.height;
  }

  getPixel(x: number, y: number): Rgba {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new Error(`pixel (${x}, ${y}) is outside the ${this.width}x${this.height} image`);
    return pixelOf(this.image, y * this.width + x);
  }
}
