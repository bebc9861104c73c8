// Writing any dataset out in the `folder` format: images/ and masks/ (palette PNGs, so the
// masks look like the classes yet read back as exact indices), plus classes.json.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { writePng } from '../image/files.js';
import type { Dataset } from './datasets/types.js';
import type { RawImage } from '../image/types.js';
import { makeDir } from '../io/dirs.js';

/**
 * Writes every sample of `dataset` under dir/<split>/{images,masks}/ and dir/classes.json. The
 * split is written to a temporary folder beside it and renamed into place when complete, so a
 * failure leaves no half-written split. Nothing is overwritten: an existing dir/<split> is an
 * error, and so is a dir/classes.json that describes other classes (splits share it).
 */
export async function writeFolderDataset(dataset: Dataset, dir: string, split: string): Promise<void> {
  if (dataset.numClasses > 256) throw new Error(`writeFolderDataset: ${dataset.numClasses} classes do not fit an 8-bit palette PNG`);
  if (!/^[^/\\.][^/\\]*$/.test(split)) throw new Error(`writeFolderDataset: split '${split}' must be a plain folder name`);
  const target = join(dir, split);
  if (existsSync(target)) throw new Error(`writeFolderDataset: ${target} already exists; expected a new split folder`);
  const palette = dataset.palette.map((c) => [c[0], c[1], c[2]]);
  const classesPath = join(dir, 'classes.json');
  const classes = JSON.stringify({ names: dataset.classNames, colors: palette, ignoreIndex: dataset.ignoreIndex }, null, 2) + '\n';
  const existing = existsSync(classesPath) ? readFileSync(classesPath, 'utf8') : null;
  if (existing !== null && existing !== classes) {
    throw new Error(`writeFolderDataset: ${classesPath} describes other classes than this dataset's (${dataset.classNames.join(', ')})`);
  }
  makeDir(dir);
  const partial = mkdtempSync(join(dir, `.${split}.partial-`));
  try {
    await writeSamples(dataset, partial, palette);
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  if (existing === null) writeFileAtomicSync(classesPath, classes);
}

async function writeSamples(dataset: Dataset, dir: string, palette: number[][]): Promise<void> {
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  makeDir(images);
  makeDir(masks);
  const stems = new Set<string>();
  for (let i = 0; i < dataset.length; i++) {
    const sample = await dataset.get(i);
    const stem = sample.name.replaceAll('/', '_'); // array formats name samples '<split>/<index>'
    if (stems.has(stem)) throw new Error(`writeFolderDataset: two samples would be written as ${stem}.png (the second is ${sample.name})`);
    stems.add(stem);
    const { width, height, channels, data } = sample.image;
    if (!(data instanceof Uint8Array) || (channels !== 1 && channels !== 3 && channels !== 4)) {
      throw new Error(`writeFolderDataset: sample ${sample.name} is not an 8-bit gray/RGB/RGBA image`);
    }
    writePng(join(images, `${stem}.png`), { width, height, channels, data } as RawImage);
    if (sample.label) {
      const label = sample.label;
      const indices = Uint8Array.from(label.data);
      if (indices.some((v, k) => v !== label.data[k])) throw new Error(`writeFolderDataset: sample ${sample.name} has label values above 255`);
      writePng(join(masks, `${stem}.png`), { width: label.width, height: label.height, channels: 1, data: indices }, { palette });
    }
  }
}
