// onnxruntime-node, loaded on first use: it is an optional peer dependency (~300 MB unpacked,
// binaries for every platform), so pixelwise installs without it and only `predict --engine
// onnx` and the onnxruntime engine ask for it, with one line saying what to install.
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;

/** The version pixelwise is tested with; onnxruntime-web in the --web page is pinned to the same. */
export const ONNXRUNTIME_VERSION = '1.31.1';

let loaded: Promise<OrtModule> | null = null;

/** onnxruntime-node, or a one-line error saying how to install it. */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= import('onnxruntime-node').then(
    (m) => m as OrtModule,
    (err: NodeJS.ErrnoException) => {
      loaded = null;
      if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
        throw new Error(
          `the onnx engine needs onnxruntime-node, an optional peer dependency of pixelwise; install it with ` +
            `'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@${ONNXRUNTIME_VERSION}' (the variable skips its CUDA download)`,
        );
      }
      throw new Error(`onnxruntime-node failed to load: ${err.message}`);
    },
  );
  return loaded;
}
