// pixelwise/image: the image vocabulary every other layer speaks — one image type (RawImage),
// one label-map type (LabelMap), real-valued maps (ScalarMap) — with reading and writing (PNG
// exactly, other formats through sharp), channel conversions, resizing, palettes, class tables
// and the input normalization record.
//
//   const photo = await readImage('street.jpg');                // RawImage, 8-bit RGB
//   const small = resizeImage(toRgb(photo), 480, 360);
//   const labels = readLabelImage('street_labels.png');        // palette indices, exactly
//   writePng('labels.png', labels, { palette: camvidPalette() });
export type { Channels, ChwImage, LabelArray, LabelMap, PixelArray, RawImage, ScalarMap, StoredLabels } from './types.js';
export { createImage } from './types.js';
export { DEFAULT_MAX_IMAGE_PIXELS, ImageTooLargeError, checkImagePixels, hxw, maxImagePixels, setMaxImagePixels } from './limits.js';
export { IMAGE_EXTENSIONS, decodeImage, imageSize, readImage, readImageSync, readLabelImage, readLabelImageAsync, writePng, type ReadImageOptions } from './files.js';
export { decodePng, encodePng, isPng, readPngHeader, type DecodedPng, type PngDecodeOptions, type PngEncodeOptions, type PngHeader } from './png.js';
export { fromChw, to8Bit, toChannels, toChw, toGray, toRgb, type ToRgbOptions } from './convert.js';
export { nearestIndex, resizeChw, resizeImage, resizeLabels, type ResizeMode } from './resize.js';
export { upsampleImage, type UpsampleImageOptions } from './upsample.js';
export { finiteRange, presentLabels } from './maps.js';
export { hslToRgb, luminance, parseColor, toHex, type ColorLike, type Rgb, type Rgba } from './color.js';
export { binaryPalette, camvidPalette, colorOf, IGNORE_BLACK, IGNORE_WHITE, pairedPalette, paletteFor, qualitativePalette, vocPalette, type Palette, type PaletteKind } from './palette.js';
export { ADE20K_CLASS_NAMES, CAMVID_CLASSES, CAMVID_CLASS_NAMES, imagenetClasses, MNIST_CLASS_NAMES, VOC_CLASS_NAMES } from './classes.js';
export {
  NORMALIZATION_PRESETS,
  NORMALIZATION_PRESET_NAMES,
  resolveNormalization,
  normalizeChw,
  denormalizeChw,
  type Normalization,
  type NormalizationInput,
  type NormalizationPreset,
  type LegacyNormalizeSpec,
} from './normalization.js';
export { normalizeTensor } from './normalize-tensor.js';
