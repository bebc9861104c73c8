// `pixelwise export --web DIR`: a static page that segments a dropped image in the browser —
// DIR/model.onnx (the pipeline form), the page and its script (built from web/ into
// assets/web/), and onnxruntime-web's wasm files. All files or none: a failure removes what
// this call wrote.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { OutputDir } from '../infer/output-dir.js';
import { buildExportFiles, type ExportFilesOptions, type ExportSource } from './export-model.js';

/** Where the built page lies in the package: dist/src/onnx/web.js -> assets/web/. */
export const WEB_ASSETS = fileURLToPath(new URL('../../../assets/web/', import.meta.url));

/** The files of the built page (index.html, app.js, onnxruntime-web's), or an error saying how to build them. */
export function webAssetFiles(): string[] {
  const files = existsSync(WEB_ASSETS) ? readdirSync(WEB_ASSETS).filter((f) => f !== 'VERSION.json') : [];
  if (!files.includes('index.html') || !files.includes('app.js') || !files.some((f) => f.endsWith('.wasm'))) {
    throw new Error(`the web page is not built (${WEB_ASSETS} lacks index.html, app.js or the .wasm); run 'npm run build:web'`);
  }
  return files.sort();
}

export interface WebExport {
  dir: string;
  files: string[];
  modelBytes: number;
}

/**
 * Writes the page for `src` into `dir` (created when missing): model.onnx in the pipeline form,
 * the page, and onnxruntime-web. Serve it with serveStatic (wasm threads need its headers).
 * @example
 *   import { sourceFromCheckpoint } from 'pixelwise/onnx';
 *   writeWebExport(sourceFromCheckpoint('best.safetensors'), 'web-demo');
 */
export function writeWebExport(src: ExportSource, dir: string, options: Omit<ExportFilesOptions, 'pipeline'> = {}): WebExport {
  const assets = webAssetFiles();
  const [model] = buildExportFiles(src, join(dir, 'model.onnx'), { ...options, pipeline: true });
  const out = new OutputDir(dir);
  try {
    for (const file of assets) out.write(file, readFileSync(join(WEB_ASSETS, file)));
    out.write('model.onnx', model!.data);
  } catch (err) {
    out.rollback();
    throw err;
  }
  out.commit();
  return { dir: out.dir, files: [...out.written], modelBytes: model!.data.length };
}
