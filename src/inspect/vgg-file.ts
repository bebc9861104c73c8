// A VGG's shape read from the tensor shapes of its weight file, so `classify` runs any
// torchvision-layout VGG (ImageNet VGG16/19, or a tiny one made for tests) without flags.
import { readSafetensorsHeader } from '../io/safetensors.js';
import { VGG_BLOCKS, type VggDepth, type VggOptions } from '../models/vgg.js';

/** depth, widths, classes and BatchNorm of the VGG whose weights `path` holds (torchvision names). */
export function vggOptionsFromFile(path: string): Required<Pick<VggOptions, 'depth' | 'inChannels' | 'baseWidth' | 'fcWidth' | 'numClasses' | 'batchNorm'>> {
  const { entries } = readSafetensorsHeader(path);
  const shapes = new Map(entries.map((e) => [e.name, e.shape]));
  const expected = "VGG weights under torchvision's names (features.<i>.weight, classifier.0/3/6.weight; make them with scripts/convert-torchvision-vgg.py)";
  const first = shapes.get('features.0.weight');
  const fc6 = shapes.get('classifier.0.weight');
  const fc8 = shapes.get('classifier.6.weight');
  if (!first || first.length !== 4 || !fc6 || fc6.length !== 2 || !fc8 || fc8.length !== 2) {
    const keys = entries.slice(0, 6).map((e) => e.name).join(', ');
    throw new Error(`${path}: expected ${expected}; found ${keys || 'no tensors'}${entries.length > 6 ? ', ...' : ''}`);
  }
  const convs = entries.filter((e) => /^features\.\d+\.weight$/.test(e.name) && e.shape.length === 4).length;
  const depth = (Object.keys(VGG_BLOCKS) as unknown as VggDepth[]).map(Number).find((d) => VGG_BLOCKS[d as VggDepth].reduce((a, b) => a + b, 0) === convs);
  if (depth === undefined) throw new Error(`${path}: ${convs} convolution weights match no VGG depth (VGG11/13/16/19 have 8/10/13/16)`);
  return {
    depth: depth as VggDepth,
    inChannels: first[1]!,
    baseWidth: first[0]!,
    fcWidth: fc6[0]!,
    numClasses: fc8[0]!,
    batchNorm: entries.some((e) => e.name.endsWith('.running_mean')),
  };
}
