// The page `pixelwise export --web DIR` writes: model.onnx (the --pipeline form: uint8 image
// [H, W, 3] -> uint8 labels [H, W]) run by onnxruntime-web's wasm execution provider on an
// image the user drops or picks, shown with the label overlay (LabelOverlay). Classes, colours
// and the model's name come from the file's own metadata. For tests and scripts the last result
// is on window.pixelwise and the page's state on <body data-state="loading|ready|running|done|error">.
import type * as Ort from 'onnxruntime-web';
import { LabelOverlay, type Rgb } from './overlay.js';
import { readMetadataProps } from './onnx-metadata.js';
import { onImageFile } from './file-drop.js';

export interface PageResult {
  width: number;
  height: number;
  /** Class index per pixel, row-major. */
  labels: Uint8Array;
  /** Milliseconds onnxruntime took for this image (session.run). */
  ms: number;
  classesPresent: number[];
  file: string;
}

declare global {
  interface Window {
    pixelwise: { threads: number; result: PageResult | null; error: string | null; segment(file: File): Promise<PageResult> };
  }
}

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;

function setState(state: 'loading' | 'ready' | 'running' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  $('#status').textContent = text;
}

function parse<T>(props: Map<string, string>, key: string): T {
  const v = props.get(key);
  if (v === undefined) throw new Error(`model.onnx has no '${key}' metadata; export it with 'pixelwise export --web'`);
  return JSON.parse(v) as T;
}

/** RGBA pixels of an image file, decoded by the browser without colour management. */
async function decode(file: Blob): Promise<ImageData> {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

async function main(): Promise<void> {
  setState('loading', 'loading onnxruntime-web and the model…');
  const ort = (await import('./ort.wasm.min.mjs' as string)) as typeof Ort;
  ort.env.wasm.wasmPaths = new URL('./', location.href).href;
  // Threads need cross-origin isolation (SharedArrayBuffer): served by `pixelwise export --serve`.
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  const response = await fetch('model.onnx');
  if (!response.ok) throw new Error(`model.onnx: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const props = readMetadataProps(bytes);
  if (props.get('pixelwise.form') !== 'pipeline') throw new Error(`model.onnx is not a --pipeline export (pixelwise.form ${JSON.stringify(props.get('pixelwise.form'))})`);
  const names = parse<string[]>(props, 'pixelwise.classes');
  const colors = parse<Rgb[]>(props, 'pixelwise.colors');
  const model = parse<{ name: string; options: Record<string, unknown> }>(props, 'pixelwise.model');
  const pipeline = parse<{ padMode: string; threshold: number | null }>(props, 'pixelwise.pipeline');
  const preprocess = parse<{ resize?: { width: number; height: number } }>(props, 'pixelwise.preprocess');
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

  const title = `${model.name}, ${names.length} classes`;
  document.title = `pixelwise: ${title}`;
  $('#model').textContent =
    `${title} · ${(bytes.length / 2 ** 20).toFixed(1)} MB · pads with '${pipeline.padMode}'` +
    (pipeline.threshold !== null ? ` · threshold ${pipeline.threshold}` : '') +
    (preprocess.resize ? ` · trained at ${preprocess.resize.height}x${preprocess.resize.width} (HxW); images run at their own size` : '') +
    ` · wasm, ${threads} thread${threads > 1 ? 's' : ''}`;

  const view = new LabelOverlay({ opacity: 0.6 });
  view.setClasses(names, colors);
  $('#view').append(view.element);

  const segment = async (file: File): Promise<PageResult> => {
    setState('running', `segmenting ${file.name}…`);
    const image = await decode(file);
    const { width, height } = image;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, p = 0; p < image.data.length; p += 4) {
      rgb[i++] = image.data[p]!;
      rgb[i++] = image.data[p + 1]!;
      rgb[i++] = image.data[p + 2]!;
    }
    const start = performance.now();
    const out = await session.run({ image: new ort.Tensor('uint8', rgb, [height, width, 3]) });
    const ms = performance.now() - start;
    const labels = out.labels!.data as Uint8Array;
    view.setImage(image);
    view.setLabels(labels, width, height);
    const counts = view.counts();
    const result: PageResult = { width, height, labels, ms, classesPresent: counts.flatMap((c, k) => (c > 0 ? [k] : [])), file: file.name };
    window.pixelwise.result = result;
    setState('done', `${file.name}: ${height}x${width} (HxW), ${ms.toFixed(0)} ms in onnxruntime-web`);
    return result;
  };
  window.pixelwise = { threads, result: null, error: null, segment };

  onImageFile($<HTMLInputElement>('#file'), $('#drop'), (file) => segment(file).catch(fail));
  setState('ready', 'drop an image, or choose one');
}

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  if (window.pixelwise) window.pixelwise.error = message;
  else window.pixelwise = { threads: 0, result: null, error: message, segment: () => Promise.reject(new Error(message)) };
  setState('error', `error: ${message}`);
}

main().catch(fail);
