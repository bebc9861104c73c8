// An ONNX graph under construction: named values, nodes, initializers and the graph's inputs and
// outputs, turned into a ModelProto at the end. Layer emitters and (later) the preprocessing and
// argmax of a pipeline export all add to one GraphBuilder, so a network can be embedded in a
// larger graph.
import type { Tensor } from '../torch/index.js';
import { AttributeType, DataType, type AttributeProto, type DimensionProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

/**
 * One axis of a value's shape as far as the exporter knows it: a fixed size, a named dynamic
 * size ('N', 'H': equal wherever the name appears), or null (dynamic, unnamed).
 */
export type Dim = number | string | null;

/** A tensor in the graph. The name may still change until the model is built (see output()). */
export class Value {
  constructor(
    public name: string,
    readonly elemType: number,
    public dims: Dim[],
  ) {}
}

/** An attribute value: { i }, { f }, { s }, { ints }, { floats } (ONNX distinguishes int and float). */
export type Attribute = { i: number } | { f: number } | { s: string } | { ints: readonly number[] } | { floats: readonly number[] };

/** Initializer bytes, or a function giving them: weights are read only when the model is built. */
export type LazyBytes = Uint8Array | (() => Uint8Array);

/** Opsets this exporter writes; 13 is the first whose Softmax normalises over one axis only. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 17;
/** IR version 8 goes with opset 17 (ONNX 1.12). */
const IR_VERSION = 8;

interface PendingNode {
  opType: string;
  name: string;
  inputs: (Value | null)[];
  outputs: Value[];
  attributes: Record<string, Attribute>;
}

export interface ModelInfo {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graphName?: string;
  /** ModelProto.metadata_props, e.g. { 'pixelwise.task': 'segmentation' }. */
  metadata?: Record<string, string>;
}

export class GraphBuilder {
  readonly opset: number;
  readonly #names = new Set<string>();
  readonly #nodes: PendingNode[] = [];
  readonly #initializers: { value: Value; dims: number[]; raw: LazyBytes }[] = [];
  readonly #inputs: Value[] = [];
  readonly #outputs: Value[] = [];
  readonly #shared = new Map<unknown, Value>();
  readonly #tensorIds = new Map<Tensor, number>();
  readonly #reserved = new Set<string>();

  constructor(opset = MAX_OPSET) {
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new Error(`ONNX export: opset must be an integer in [${MIN_OPSET}, ${MAX_OPSET}], got ${String(opset)}`);
    }
    this.opset = opset;
  }

  /** hint itself if unused, else hint_1, hint_2, ... */
  uniqueName(hint: string): string {
    let name = hint;
    for (let k = 1; this.#names.has(name) || this.#reserved.has(name); k++) name = `${hint}_${k}`;
    this.#names.add(name);
    return name;
  }

  /** Keeps `name` free for a later output() (so no layer's value takes it meanwhile). */
  reserve(name: string): void {
    if (this.#names.has(name)) throw new Error(`ONNX export: name '${name}' is already used`);
    this.#reserved.add(name);
  }

  /** A graph input; its name is kept exactly. */
  input(name: string, elemType: number, dims: Dim[]): Value {
    if (this.#names.has(name) || this.#reserved.has(name)) throw new Error(`ONNX export: graph input name '${name}' is already used`);
    this.#names.add(name);
    const v = new Value(name, elemType, dims);
    this.#inputs.push(v);
    return v;
  }

  /**
   * A constant tensor stored in the graph (weights, shapes). `key` makes repeated requests for
   * the same content return one initializer (a parameter used by two layers is stored once).
   */
  initializer(hint: string, elemType: number, dims: readonly number[], raw: LazyBytes, key?: unknown): Value {
    if (key !== undefined) {
      const known = this.#shared.get(key);
      if (known) return known;
    }
    const value = new Value(this.uniqueName(hint), elemType, [...dims]);
    this.#initializers.push({ value, dims: [...dims], raw });
    if (key !== undefined) this.#shared.set(key, value);
    return value;
  }

  /** A float32 parameter or buffer, optionally viewed with other dims of the same element count. */
  weight(t: Tensor, hint: string, dims: readonly number[] = t.shape): Value {
    if (t.dtype !== 'float32') {
      throw new Error(`ONNX export: '${hint}' is ${t.dtype}; the exporter writes float32 models (convert with model.to('float32'))`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== t.numel) throw new Error(`ONNX export: cannot view '${hint}' [${t.shape}] as [${dims}]`);
    let id = this.#tensorIds.get(t);
    if (id === undefined) this.#tensorIds.set(t, (id = this.#tensorIds.size));
    return this.initializer(hint, DataType.FLOAT, dims, () => bytesOf(t.data() as Float32Array), `tensor:${id}:${dims.join(',')}`);
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds). */
  int64s(values: readonly number[], hint = 'const'): Value {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.initializer(hint, DataType.INT64, [values.length], bytesOf(data), `int64:${values.join(',')}`);
  }

  /** A float32 constant of the given dims. */
  floats(values: readonly number[], dims: readonly number[], hint = 'const'): Value {
    return this.initializer(hint, DataType.FLOAT, dims, bytesOf(Float32Array.from(values)), `float:${dims.join(',')}:${values.join(',')}`);
  }

  /**
   * Adds a node; null inputs are omitted optional inputs ('' in ONNX). Returns its outputs,
   * named after `name` (the layer), which also names the node.
   */
  node(
    opType: string,
    inputs: (Value | null)[],
    options: { name: string; attributes?: Record<string, Attribute>; outputs?: number; elemType?: number; dims?: Dim[] },
  ): Value[] {
    const count = options.outputs ?? 1;
    const elemType = options.elemType ?? inputs.find((v) => v !== null)?.elemType ?? DataType.FLOAT;
    const outputs = Array.from({ length: count }, (_, k) => new Value(this.uniqueName(k === 0 ? options.name : `${options.name}:${k}`), elemType, options.dims ?? []));
    this.#nodes.push({ opType, name: outputs[0]!.name, inputs, outputs, attributes: options.attributes ?? {} });
    return outputs;
  }

  /** Shorthand for a one-output node. */
  op(opType: string, inputs: (Value | null)[], name: string, attributes?: Record<string, Attribute>, dims?: Dim[]): Value {
    return this.node(opType, inputs, { name, attributes, dims })[0]!;
  }

  /**
   * Makes v a graph output called name: the value is renamed when a node of this graph made it,
   * otherwise (a graph input or a constant) an Identity node copies it under that name.
   */
  output(v: Value, name: string, dims: Dim[] = v.dims): Value {
    const producedHere = this.#nodes.some((n) => n.outputs.includes(v));
    const already = this.#outputs.includes(v);
    let out = v;
    if (!producedHere || already) {
      out = this.op('Identity', [v], `${name}/identity`, undefined, dims);
    }
    if (out.name !== name) {
      if (this.#names.has(name)) throw new Error(`ONNX export: graph output name '${name}' is already used`);
      this.#names.delete(out.name);
      this.#reserved.delete(name);
      this.#names.add(name);
      out.name = name;
    }
    out.dims = dims;
    this.#outputs.push(out);
    return out;
  }

  /** The finished model. */
  build(info: ModelInfo = {}): ModelProto {
    if (this.#outputs.length === 0) throw new Error('ONNX export: the graph has no output');
    const nodes: NodeProto[] = this.#nodes.map((n) => ({
      input: trimOptional(n.inputs.map((v) => (v === null ? '' : v.name))),
      output: n.outputs.map((v) => v.name),
      name: n.name,
      op_type: n.opType,
      attribute: Object.entries(n.attributes).map(([name, a]) => attributeProto(name, a)),
    }));
    const initializers: TensorProto[] = this.#initializers.map(({ value, dims, raw }) => ({
      name: value.name,
      dims,
      data_type: value.elemType,
      raw_data: typeof raw === 'function' ? raw() : raw,
    }));
    return {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: this.opset }],
      producer_name: info.producerName ?? 'pixelwise',
      producer_version: info.producerVersion,
      doc_string: info.docString,
      graph: {
        name: info.graphName ?? 'pixelwise',
        node: nodes,
        initializer: initializers,
        input: this.#inputs.map(valueInfo),
        output: this.#outputs.map(valueInfo),
      },
      metadata_props: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  // The typed array's own little-endian bytes (x86, ARM): ONNX raw_data is little-endian.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// Omitted optional inputs at the end are left out rather than written as ''.
function trimOptional(names: string[]): string[] {
  let end = names.length;
  while (end > 0 && names[end - 1] === '') end--;
  return names.slice(0, end);
}

function attributeProto(name: string, a: Attribute): AttributeProto {
  if ('i' in a) return { name, type: AttributeType.INT, i: a.i };
  if ('f' in a) return { name, type: AttributeType.FLOAT, f: a.f };
  if ('s' in a) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  return { name, type: AttributeType.FLOATS, floats: [...a.floats] };
}

function dimension(d: Dim): DimensionProto {
  if (typeof d === 'number') return { dim_value: d };
  if (typeof d === 'string') return { dim_param: d };
  return {};
}

function valueInfo(v: Value): ValueInfoProto {
  return { name: v.name, type: { tensor_type: { elem_type: v.elemType, shape: { dim: v.dims.map(dimension) } } } };
}

