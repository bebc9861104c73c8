// ONNX export of a module: trace its forward on an example input, emit every layer as standard
// operators, and write one ModelProto with the weights as initializers.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isFloatingDtype, zeros } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { GraphBuilder, MAX_OPSET, type Dim } from './graph.js';
import { DataType, encodeModel, type ModelProto } from './proto.js';
import { traceModule } from './trace.js';
import { emitTrace } from './emit.js';
import { NeedsFixedSize } from './emit-context.js';
import { partPath, zooDefaults, zooOnnxParts } from './zoo.js';
import type { ZooModel } from '../models/index.js';

export interface OnnxExportOptions {
  /**
   * The example input's shape [N, C, H, W] (the trace runs on zeros of this shape). Zoo models
   * have a default (see zooOnnxParts), other modules need it.
   */
  inputShape?: readonly number[];
  /**
   * Which input axes stay dynamic. batch (default true): axis 0 is 'N'. spatial: true makes
   * axes 2.. dynamic ('H', 'W') or fails naming the layer that needs a fixed size; false fixes
   * them at inputShape; 'auto' (default) keeps them dynamic unless a layer needs a fixed size.
   */
  dynamic?: { batch?: boolean; spatial?: boolean | 'auto' };
  /** 13..17 (default 17). */
  opset?: number;
  /** Graph input and output names (default 'input' and 'logits'; the zoo's autoencoder: 'image'). */
  inputName?: string;
  outputName?: string;
  /**
   * The output's declared shape where the exporter cannot infer it: a segmentation model's
   * contract says its output has the input's size (['N', K, 'H', 'W']), which holds for every
   * input the model accepts. Names must be the input's; the traced shape must agree. By default
   * an axis is named only where every layer on the way provably keeps that size.
   */
  outputDims?: readonly Dim[];
  /** ModelProto.metadata_props (keys such as 'pixelwise.task'). */
  metadata?: Record<string, string>;
  docString?: string;
}

/** What an export produced besides the bytes' content: the interface a consumer sees. */
export interface OnnxExport {
  model: ModelProto;
  input: { name: string; dims: Dim[] };
  output: { name: string; dims: Dim[] };
  /** True when the height and width are fixed (spatial false, or 'auto' with a fixed-size layer). */
  fixedSize: boolean;
}

/** The version of pixelwise writing the files (package.json). */
export const PACKAGE_VERSION = readPackageVersion();

/** Traces `model` and builds its ONNX model (see exportOnnx for the bytes). */
export function buildOnnx(model: Module<any, any>, givenOptions: OnnxExportOptions = {}): OnnxExport {
  const options = { ...zooDefaults(model), ...definedOnly(givenOptions) };
  const shape = options.inputShape;
  if (!shape || shape.length < 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`ONNX export of ${model.typeName}: inputShape must list positive integer sizes [N, C, H, W], got ${JSON.stringify(shape)}`);
  }
  const spatial = options.dynamic?.spatial ?? 'auto';
  if (spatial !== true && spatial !== false && spatial !== 'auto') {
    throw new Error(`ONNX export: dynamic.spatial must be true, false or 'auto', got ${JSON.stringify(spatial)}`);
  }
  const batch = options.dynamic?.batch ?? true;
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    if (isFloatingDtype(t.dtype) && t.dtype !== 'float32') {
      throw new Error(`ONNX export: '${name}' is ${t.dtype}; the exporter writes float32 models (convert with model.to('float32'))`);
    }
  }
  const example = zeros([...shape]);
  let trace;
  try {
    trace = traceModule(model, example);
  } finally {
    example.dispose();
  }
  // What the input's axes are called where they are dynamic.
  const axisNames = shape.map((_, a) => (a === 0 ? 'N' : a === 1 ? '' : shape.length === 4 ? ['H', 'W'][a - 2]! : `D${a}`));
  const build = (dynamicSpatial: boolean): OnnxExport => {
    const g = new GraphBuilder(options.opset ?? MAX_OPSET);
    const dims: Dim[] = shape.map((d, a) => ((a === 0 ? batch : a >= 2 && dynamicSpatial) ? axisNames[a]! : d));
    const [inputName, outputName] = [options.inputName ?? 'input', options.outputName ?? 'logits'];
    if (inputName === outputName) throw new Error(`ONNX export: input and output need different names, both are '${inputName}'`);
    const x = g.input(inputName, DataType.FLOAT, dims);
    g.reserve(outputName);
    const out = emitTrace(g, trace, x);
    const y = g.output(out, outputName, options.outputDims ? declaredDims(options.outputDims, out.dims, axisNames, dims, shape, trace.outputShape) : out.dims);
    const built = g.build({
      producerVersion: PACKAGE_VERSION,
      docString: options.docString,
      graphName: model.typeName,
      metadata: options.metadata,
    });
    return { model: built, input: { name: x.name, dims }, output: { name: y.name, dims: y.dims }, fixedSize: !dynamicSpatial };
  };
  if (spatial === false || shape.length <= 2) return build(false);
  try {
    return build(true);
  } catch (err) {
    if (spatial === 'auto' && err instanceof NeedsFixedSize) return build(false);
    throw err;
  }
}

/** The .onnx bytes of `model` (see OnnxExportOptions). */
export function exportOnnx(model: Module<any, any>, options: OnnxExportOptions = {}): Uint8Array {
  return encodeModel(buildOnnx(model, options).model);
}

/** Exports `model` to `path` atomically (a failed export leaves no file behind). */
export function writeOnnx(path: string, model: Module<any, any>, options: OnnxExportOptions = {}): OnnxExport {
  checkFolder(path);
  const result = buildOnnx(model, options);
  writeFileAtomicSync(path, encodeModel(result.model));
  return result;
}

/**
 * Exports every part of a zoo model (the autoencoder: OUT.encoder.onnx and OUT.decoder.onnx),
 * all built before any is written, each written atomically.
 */
export function writeZooOnnx(
  out: string,
  model: ZooModel,
  options: Pick<OnnxExportOptions, 'opset' | 'metadata' | 'docString'> = {},
): { path: string; export: OnnxExport }[] {
  checkFolder(out);
  const built = zooOnnxParts(model, options).map((p) => ({ path: partPath(out, p.part), export: buildOnnx(p.module, p.options) }));
  for (const b of built) writeFileAtomicSync(b.path, encodeModel(b.export.model));
  return built;
}

/**
 * outputDims checked against the traced shapes. A name stands for an input axis (by the names
 * 'N', 'H', 'W'), and becomes that axis's fixed size where the export fixed it.
 */
function declaredDims(declared: readonly Dim[], inferred: Dim[], axisNames: string[], inputDims: Dim[], inputShape: readonly number[], outputShape: number[]): Dim[] {
  const problem = (why: string): Error => new Error(`ONNX export: outputDims [${declared.map(String)}] ${why} (input [${inputShape}] gave output [${outputShape}])`);
  if (declared.length !== outputShape.length) throw problem('has the wrong rank');
  return declared.map((d, a) => {
    if (d === null) return inferred[a]!;
    if (typeof d === 'number') {
      if (d !== outputShape[a]) throw problem(`says ${d} for axis ${a}`);
      return d;
    }
    const axis = axisNames.indexOf(d);
    if (axis < 0) throw problem(`names '${d}', which is no input axis (${axisNames.filter(Boolean).join(', ')})`);
    if (inputShape[axis] !== outputShape[a]) throw problem(`says axis ${a} has the size of input axis ${axis}`);
    return inputDims[axis]!;
  });
}

function checkFolder(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`ONNX export: cannot write '${path}': folder '${dir}' does not exist`);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '';
  } catch {
    return '';
  }
}
