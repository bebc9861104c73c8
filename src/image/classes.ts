// Class tables: the class names of the datasets and weights pixelwise knows, in label order.
// The 1000 ImageNet names are a data file (assets/imagenet-classes.json), read when first asked for.
import { readFileSync } from 'node:fs';

/** CamVid's conventional 11 classes plus 'void' (index 11), as used by SegNet. */
export const CAMVID_CLASSES: readonly string[] = [
  'sky', 'building', 'pole', 'road', 'pavement', 'tree',
  'sign', 'fence', 'car', 'pedestrian', 'bicyclist', 'void',
];

/** CamVid's 11 classes (SegNet's split); label 11 is void. */
export const CAMVID_CLASS_NAMES: readonly string[] = CAMVID_CLASSES.slice(0, 11);

/** PASCAL VOC's 20 object classes after background; 255 marks object boundaries (ignored). */
export const VOC_CLASS_NAMES: readonly string[] = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

/** ADE20K's 150 Scene Parsing classes in label order (stored label k is class k - 1; 0 is "other"). */
export const ADE20K_CLASS_NAMES: readonly string[] = [
  'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road', 'bed', 'windowpane', 'grass',
  'cabinet', 'sidewalk', 'person', 'earth', 'door', 'table', 'mountain', 'plant', 'curtain', 'chair',
  'car', 'water', 'painting', 'sofa', 'shelf', 'house', 'sea', 'mirror', 'rug', 'field',
  'armchair', 'seat', 'fence', 'desk', 'rock', 'wardrobe', 'lamp', 'bathtub', 'railing', 'cushion',
  'base', 'box', 'column', 'signboard', 'chest of drawers', 'counter', 'sand', 'sink', 'skyscraper', 'fireplace',
  'refrigerator', 'grandstand', 'path', 'stairs', 'runway', 'case', 'pool table', 'pillow', 'screen door', 'stairway',
  'river', 'bridge', 'bookcase', 'blind', 'coffee table', 'toilet', 'flower', 'book', 'hill', 'bench',
  'countertop', 'stove', 'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'bar', 'arcade machine', 'hovel',
  'bus', 'towel', 'light', 'truck', 'tower', 'chandelier', 'awning', 'streetlight', 'booth', 'television receiver',
  'airplane', 'dirt track', 'apparel', 'pole', 'land', 'bannister', 'escalator', 'ottoman', 'bottle', 'buffet',
  'poster', 'stage', 'van', 'ship', 'fountain', 'conveyer belt', 'canopy', 'washer', 'plaything', 'swimming pool',
  'stool', 'barrel', 'basket', 'waterfall', 'tent', 'bag', 'minibike', 'cradle', 'oven', 'ball',
  'food', 'step', 'tank', 'trade name', 'microwave', 'pot', 'animal', 'bicycle', 'lake', 'dishwasher',
  'screen', 'blanket', 'sculpture', 'hood', 'sconce', 'vase', 'traffic light', 'tray', 'ashcan', 'fan',
  'pier', 'crt screen', 'plate', 'monitor', 'bulletin board', 'shower', 'radiator', 'glass', 'clock', 'flag',
];

/** MNIST digits as class names. */
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

let imagenet: readonly string[] | undefined;

/**
 * The 1000 ImageNet-1k class names, index = output channel of an ImageNet classifier (VGG).
 * @example
 *   const names = imagenetClasses(); // names[1] === 'goldfish'
 */
export function imagenetClasses(): readonly string[] {
  if (!imagenet) {
    const url = new URL('../../../assets/imagenet-classes.json', import.meta.url);
    let parsed: { names?: unknown };
    try {
      parsed = JSON.parse(readFileSync(url, 'utf8')) as { names?: unknown };
    } catch (err) {
      throw new Error(`cannot read the ImageNet class names from ${url.pathname} (${(err as Error).message}); is the package installed completely?`);
    }
    const names = parsed.names;
    if (!Array.isArray(names) || names.length !== 1000 || !names.every((n) => typeof n === 'string')) {
      throw new Error(`${url.pathname}: expected {"names": [1000 class names]}`);
    }
    imagenet = Object.freeze([...names] as string[]);
  }
  return imagenet;
}
