// `data check`: open every split leniently, decode every sample, and report counts, image
// sizes, the class histogram and every problem found (with the file named) — never stopping
// at the first.
import { problemOf } from './datasets/errors.js';
import { datasetSplits, openDataset } from './datasets/open.js';
import type { Dataset, DatasetProblem, DatasetSpec } from './datasets/types.js';
import { ProgressReporter, type ProgressCallback } from '../io/progress.js';

export interface CheckOptions {
  /** Check only these splits (default: the spec's split, else every split found). */
  splits?: string[];
  /** Decode at most this many samples per split (default all). */
  limit?: number;
  /** Samples decoded at once (default 4: sharp decodes on its own threads). */
  concurrency?: number;
  /** Progress events, one task per split ('check train'; 'check root' for a root without splits). */
  onProgress?: ProgressCallback;
}

export interface SizeCount {
  width: number;
  height: number;
  count: number;
}

export interface SplitReport {
  split: string;
  /** Samples the split holds (after skipping broken pairs). */
  count: number;
  /** Samples decoded (count, or the limit). */
  checked: number;
  /** Samples decoded with a label map. */
  labelled: number;
  /** Smallest / largest width and height seen, null when nothing decoded. */
  minWidth: number | null;
  minHeight: number | null;
  maxWidth: number | null;
  maxHeight: number | null;
  /** Distinct image sizes (of the samples decoded without problems), most frequent first. */
  sizes: SizeCount[];
  /** Images per stored channel count. */
  channels: Record<string, number>;
  /** Pixels per class index. */
  classPixels: number[];
  /** Images containing each class. */
  classImages: number[];
  /** Labelled (not ignored) pixels of the images containing each class: median-frequency balancing divides by them. */
  classImagePixels: number[];
  ignoredPixels: number;
}

export interface CheckProblem extends DatasetProblem {
  split: string;
}

export interface DataReport {
  spec: DatasetSpec;
  format: string;
  root: string;
  classNames: string[];
  numClasses: number;
  ignoreIndex: number | null;
  splits: SplitReport[];
  /** Summed over splits. */
  classPixels: number[];
  classImages: number[];
  classImagePixels: number[];
  ignoredPixels: number;
  problems: CheckProblem[];
  ok: boolean;
}

/**
 * Checks a dataset (every split unless the spec or options name some) and reports what it found.
 * @example
 *   const report = await checkDataset({ format: 'folder', root: 'membrane' });
 *   console.log(formatReport(report)); // counts, sizes, class histogram, every problem with its file
 */
export async function checkDataset(spec: DatasetSpec, options: CheckOptions = {}): Promise<DataReport> {
  const splits = options.splits ?? (spec.split !== undefined ? [spec.split] : datasetSplits(spec));
  const report: DataReport = {
    spec,
    format: spec.format,
    root: spec.root ?? '',
    classNames: [],
    numClasses: 0,
    ignoreIndex: null,
    splits: [],
    classPixels: [],
    classImages: [],
    classImagePixels: [],
    ignoredPixels: 0,
    problems: [],
    ok: true,
  };
  if (splits.length === 0) {
    report.problems.push({ split: '', kind: 'missing-folder', file: spec.root ?? '', message: `${spec.root}: no ${spec.format} splits found here` });
  }
  for (const split of splits) {
    const splitSpec = { ...spec, ...(split !== '' ? { split } : {}) } as DatasetSpec;
    let dataset: Dataset;
    try {
      dataset = await openDataset(splitSpec, { lenient: true });
    } catch (e) {
      report.problems.push({ split, ...problemOf(e, spec.root ?? spec.format) });
      continue;
    }
    for (const p of dataset.problems) report.problems.push({ split, ...p });
    if (report.classNames.length === 0) {
      report.classNames = [...dataset.classNames];
      report.numClasses = dataset.numClasses;
      report.ignoreIndex = dataset.ignoreIndex;
      report.root = dataset.spec.root ?? report.root;
    }
    report.splits.push(await checkSplit(dataset, split, options, report.problems));
  }
  const n = report.numClasses;
  report.classPixels = new Array<number>(n).fill(0);
  report.classImages = new Array<number>(n).fill(0);
  report.classImagePixels = new Array<number>(n).fill(0);
  for (const s of report.splits) {
    for (let c = 0; c < n; c++) {
      report.classPixels[c]! += s.classPixels[c] ?? 0;
      report.classImages[c]! += s.classImages[c] ?? 0;
      report.classImagePixels[c]! += s.classImagePixels[c] ?? 0;
    }
    report.ignoredPixels += s.ignoredPixels;
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function checkSplit(dataset: Dataset, split: string, options: CheckOptions, problems: CheckProblem[]): Promise<SplitReport> {
  const n = dataset.numClasses;
  const total = Math.min(dataset.length, options.limit ?? Infinity);
  const r: SplitReport = {
    split,
    count: dataset.length,
    checked: 0,
    labelled: 0,
    minWidth: null,
    minHeight: null,
    maxWidth: null,
    maxHeight: null,
    sizes: [],
    channels: {},
    classPixels: new Array<number>(n).fill(0),
    classImages: new Array<number>(n).fill(0),
    classImagePixels: new Array<number>(n).fill(0),
    ignoredPixels: 0,
  };
  const sizes = new Map<string, SizeCount>();
  const counts = new Float64Array(n);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const progress = total > 0 ? new ProgressReporter(options.onProgress, `check ${split || 'root'}`, total) : undefined;
  for (let start = 0; start < total; start += concurrency) {
    const indices = Array.from({ length: Math.min(concurrency, total - start) }, (_, k) => start + k);
    const results = await Promise.allSettled(indices.map((i) => dataset.get(i)));
    results.forEach((res, k) => {
      const i = indices[k]!;
      r.checked++;
      if (res.status === 'rejected') {
        problems.push({ split, ...problemOf(res.reason, dataset.sources(i)[0] ?? dataset.name(i)) });
        return;
      }
      const { image, label } = res.value;
      const key = `${image.width}x${image.height}`;
      const size = sizes.get(key) ?? { width: image.width, height: image.height, count: 0 };
      size.count++;
      sizes.set(key, size);
      r.minWidth = Math.min(r.minWidth ?? Infinity, image.width);
      r.minHeight = Math.min(r.minHeight ?? Infinity, image.height);
      r.maxWidth = Math.max(r.maxWidth ?? 0, image.width);
      r.maxHeight = Math.max(r.maxHeight ?? 0, image.height);
      r.channels[String(image.channels)] = (r.channels[String(image.channels)] ?? 0) + 1;
      if (!label) return;
      r.labelled++;
      counts.fill(0);
      const data = label.data;
      let ignored = 0;
      for (let p = 0; p < data.length; p++) {
        const v = data[p]!;
        if (v < n) counts[v]!++;
        else ignored++;
      }
      r.ignoredPixels += ignored;
      for (let c = 0; c < n; c++) {
        if (counts[c]! > 0) {
          r.classPixels[c]! += counts[c]!;
          r.classImages[c]!++;
          r.classImagePixels[c]! += data.length - ignored;
        }
      }
    });
    progress?.advance(Math.min(start + concurrency, total) - progress.done);
  }
  progress?.finish();
  r.sizes = [...sizes.values()].sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height);
  return r;
}

/** The report as terminal text: splits, sizes, class histogram, problems (the first maxProblems). */
export function formatReport(report: DataReport, options: { maxProblems?: number } = {}): string {
  const maxProblems = options.maxProblems ?? 50;
  const lines: string[] = [];
  lines.push(`dataset: ${report.format} ${report.root}`);
  const ignore = report.ignoreIndex !== null ? `, label ${report.ignoreIndex} ignored` : '';
  lines.push(`classes: ${report.numClasses}${ignore}`);
  lines.push('');
  const rows = report.splits.map((s) => [
    s.split || '(root)',
    String(s.count),
    s.checked < s.count ? `${s.checked} checked` : String(s.labelled),
    sizeText(s),
    Object.entries(s.channels)
      .map(([c, k]) => `${c}ch: ${k}`)
      .join(', '),
  ]);
  lines.push(...table(['split', 'images', 'labelled', 'image sizes (HxW)', 'channels'], rows));
  const totalPixels = report.classPixels.reduce((a, b) => a + b, 0) + report.ignoredPixels;
  if (totalPixels > 0) {
    lines.push('');
    lines.push(`class histogram (${report.splits.map((s) => s.split || 'root').join(' + ')}):`);
    const hist = report.classNames.map((name, c) => [
      String(c),
      name,
      compact(report.classPixels[c]!),
      pct(report.classPixels[c]!, totalPixels),
      String(report.classImages[c]!),
    ]);
    if (report.ignoredPixels > 0) hist.push([String(report.ignoreIndex ?? ''), '(ignored)', compact(report.ignoredPixels), pct(report.ignoredPixels, totalPixels), '']);
    lines.push(...table(['#', 'class', 'pixels', '%', 'images'], hist, [true, false, true, true, true]));
    const absent = report.classNames.filter((_, c) => report.classPixels[c] === 0);
    if (absent.length > 0) lines.push(`note: ${absent.length} classes never occur: ${absent.slice(0, 10).join(', ')}${absent.length > 10 ? ', ...' : ''}`);
  }
  lines.push('');
  if (report.problems.length === 0) lines.push('no problems found');
  else {
    const byKind = new Map<string, number>();
    for (const p of report.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
    lines.push(`${report.problems.length} problems (${[...byKind].map(([k, v]) => `${v} ${k}`).join(', ')}):`);
    for (const p of report.problems.slice(0, maxProblems)) lines.push(`  [${p.kind}]${p.split ? ` (${p.split})` : ''} ${p.message}`);
    if (report.problems.length > maxProblems) lines.push(`  ... and ${report.problems.length - maxProblems} more`);
  }
  return lines.join('\n');
}

function sizeText(s: SplitReport): string {
  if (s.sizes.length === 0) return '-';
  if (s.sizes.length === 1) return `${s.sizes[0]!.height}x${s.sizes[0]!.width}`;
  const top = s.sizes.slice(0, 3).map((z) => `${z.height}x${z.width} (${z.count})`);
  return `${s.sizes.length} sizes, ${s.minHeight}..${s.maxHeight} x ${s.minWidth}..${s.maxWidth}: ${top.join(', ')}${s.sizes.length > 3 ? ', ...' : ''}`;
}

function table(head: string[], rows: string[][], right: boolean[] = []): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((v, c) => (right[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function pct(a: number, total: number): string {
  return `${((100 * a) / total).toFixed(2)}%`;
}
