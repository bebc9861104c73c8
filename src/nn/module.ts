// nn.Module: a tree of layers owning named parameters and buffers, as in PyTorch.
import { DTYPES, isFloatingDtype, noGrad, Tensor, type Device, type DType, type MemoryFormat } from '../torch/index.js';
import { checkDevice } from './device.js';

export type StateDict = Map<string, Tensor>;

/** Called after a module's forward with its inputs and output (see registerForwardHook). */
export type ForwardHook = (module: Module<any, any>, inputs: unknown[], output: unknown) => void;

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, { tensor: Tensor; persistent: boolean }>();
  readonly #modules = new Map<string, Module<any, any>>();
  // One entry per registration, so registering the same function twice needs two removals.
  #hooks: { hook: ForwardHook }[] = [];
  // The forward that hooks wrap while any are registered, and whether it was an own property.
  #unhooked: { forward: (...inputs: In) => Out; own: boolean } | null = null;

  abstract forward(...inputs: In): Out;

  /** A short type name for summaries and errors (the class name by default). */
  get typeName(): string {
    return this.constructor.name;
  }

  /** The layer's settings for toString(), e.g. '3, 64, kernel=3, stride=1, padding=1' (layers override it). */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-style description of the tree: `Sequential(\n  (0): Conv2d(3, 64, kernel=3, ...)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    if (this.#modules.size === 0) return `${this.typeName}(${extra})`;
    const lines = extra ? [extra] : [];
    for (const [name, m] of this.#modules) lines.push(`(${name}): ${m.toString()}`);
    return `${this.typeName}(\n${lines.map((l) => '  ' + l.split('\n').join('\n  ')).join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- registration ---------------------------------------------------------------------

  /** Adds a trainable tensor; the module owns it from now on (it leaves any tidy scope). */
  registerParameter(name: string, tensor: Tensor, requiresGrad = true): Tensor {
    checkName(name, this);
    tensor.keep();
    if (requiresGrad && !tensor.requiresGrad) tensor.requiresGrad_(true);
    this.#parameters.set(name, tensor);
    return tensor;
  }

  /** Adds non-trainable state (e.g. BatchNorm running statistics); persistent buffers are saved. */
  registerBuffer(name: string, tensor: Tensor, persistent = true): Tensor {
    checkName(name, this);
    tensor.keep();
    this.#buffers.set(name, { tensor, persistent });
    return tensor;
  }

  registerModule<M extends Module<any, any>>(name: string, module: M): M {
    checkName(name, this);
    this.#modules.set(name, module);
    return module;
  }

  // ---- traversal ------------------------------------------------------------------------

  *namedChildren(): IterableIterator<[string, Module<any, any>]> {
    yield* this.#modules;
  }
  children(): Module<any, any>[] {
    return [...this.#modules.values()];
  }
  /** Every module in the tree, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = ''): IterableIterator<[string, Module<any, any>]> {
    yield [prefix, this];
    for (const [name, m] of this.#modules) yield* m.namedModules(prefix ? `${prefix}.${name}` : name);
  }
  /** The submodule at a dotted path such as 'features.3' or 'decoder.up1'. */
  getSubmodule(path: string): Module<any, any> {
    let m: Module<any, any> = this;
    for (const part of path === '' ? [] : path.split('.')) {
      const next = m.#modules.get(part);
      if (!next) {
        const names = [...this.namedModules()].map(([n]) => n).filter(Boolean);
        throw new Error(`no submodule '${path}' in ${this.typeName}; available: ${names.join(', ')}`);
      }
      m = next;
    }
    return m;
  }
  *namedParameters(prefix = '', recurse = true): IterableIterator<[string, Tensor]> {
    for (const [name, p] of this.#parameters) yield [prefix ? `${prefix}.${name}` : name, p];
    if (recurse) for (const [name, m] of this.#modules) yield* m.namedParameters(prefix ? `${prefix}.${name}` : name);
  }
  parameters(recurse = true): Tensor[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }
  *namedBuffers(prefix = '', recurse = true, onlyPersistent = false): IterableIterator<[string, Tensor]> {
    for (const [name, b] of this.#buffers) {
      if (!onlyPersistent || b.persistent) yield [prefix ? `${prefix}.${name}` : name, b.tensor];
    }
    if (recurse) {
      for (const [name, m] of this.#modules) yield* m.namedBuffers(prefix ? `${prefix}.${name}` : name, true, onlyPersistent);
    }
  }
  buffers(recurse = true): Tensor[] {
    return [...this.namedBuffers('', recurse)].map(([, b]) => b);
  }

  // ---- modes ----------------------------------------------------------------------------

  /** Training mode (dropout active, BatchNorm uses batch statistics) for the whole tree. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }
  /** Inference mode: same as train(false). */
  eval(): this {
    return this.train(false);
  }
  /** Freezes (false) or unfreezes (true) every parameter in the tree. */
  requiresGrad_(value: boolean): this {
    for (const p of this.parameters()) p.requiresGrad_(value);
    return this;
  }
  /** Calls fn on every module in the tree (depth first, children before parents as in PyTorch). */
  apply(fn: (m: Module<any, any>) => void): this {
    for (const m of this.#modules.values()) m.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves or converts parameters and buffers in place (their JS references stay valid):
   * a device, a floating dtype, or a memory format such as 'channelsLast' for 4-d weights.
   */
  to(target: Device | DType | { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat }): this {
    const t = typeof target === 'string' ? ((DTYPES as readonly string[]).includes(target) ? { dtype: target as DType } : { device: target }) : target;
    if (t.device !== undefined) checkDevice(t.device, `${this.typeName}.to: device`);
    if (t.dtype !== undefined && !isFloatingDtype(t.dtype)) {
      throw new Error(`${this.typeName}.to: dtype must be a floating type (float32, float64, float16, bfloat16), got '${t.dtype}'`);
    }
    noGrad(() => {
      const convert = (x: Tensor, isFloat: boolean): void => {
        const spec = {
          device: t.device,
          dtype: isFloat ? t.dtype : undefined,
          memoryFormat: x.ndim === 4 ? t.memoryFormat : undefined,
        };
        const y = x.to(spec);
        x.setData(y);
        y.dispose();
      };
      for (const p of this.parameters()) convert(p, true);
      for (const b of this.buffers()) convert(b, isFloatingDtype(b.dtype));
    });
    return this;
  }

  // ---- state ----------------------------------------------------------------------------

  /** Parameters and persistent buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    // PyTorch's key order: each module's parameters, then its buffers, then its children.
    const out: StateDict = new Map();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.namedParameters(prefix, false)) out.set(name, p);
      for (const [name, b] of m.namedBuffers(prefix, false, true)) out.set(name, b);
    }
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers. With strict (default) any
   * missing or unexpected key is an error; a shape mismatch always is.
   */
  loadStateDict(state: StateDict | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    if (!(state instanceof Map) && (state === null || typeof state !== 'object' || Array.isArray(state))) {
      const got = Array.isArray(state) ? `an array of ${(state as unknown[]).length}` : state === null ? 'null' : typeof state;
      throw new Error(`loadStateDict into ${this.typeName}: expected tensors by name (a Map or an object, e.g. from stateDict() or loadSafetensors()), got ${got}`);
    }
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    for (const [key, value] of incoming) {
      if (!(value instanceof Tensor)) throw new Error(`loadStateDict into ${this.typeName}: '${key}' is ${value === null ? 'null' : typeof value}, expected a Tensor`);
    }
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !incoming.has(k));
    const unexpected = [...incoming.keys()].filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [key, target] of own) {
      const src = incoming.get(key);
      if (src && !sameShape(src.shape, target.shape)) {
        mismatched.push(`${key}: checkpoint has [${src.shape}], model has [${target.shape}]`);
      }
    }
    const problems: string[] = [];
    if (mismatched.length) problems.push(`shape mismatch for ${mismatched.join('; ')}`);
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (problems.length) throw new Error(`loadStateDict into ${this.typeName}: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [key, target] of own) {
        const src = incoming.get(key);
        if (src) target.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /** Frees every parameter and buffer of the tree. The module cannot be used afterwards. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }

  // ---- hooks ----------------------------------------------------------------------------

  /**
   * Calls hook after every forward of this module (e.g. to capture activations by layer
   * name). Returns a function that removes the hook.
   */
  registerForwardHook(hook: ForwardHook): () => void {
    const entry = { hook };
    this.#hooks.push(entry);
    if (this.#unhooked === null) {
      // A forward defined as an instance property (an arrow-function field) is wrapped too.
      const original = { forward: this.forward, own: Object.prototype.hasOwnProperty.call(this, 'forward') };
      this.#unhooked = original;
      const hooked = (...inputs: In): Out => {
        const out = original.forward.apply(this, inputs);
        for (const { hook: h } of this.#hooks) h(this, inputs, out);
        return out;
      };
      Object.defineProperty(this, 'forward', { value: hooked, configurable: true, writable: true });
    }
    return () => {
      this.#hooks = this.#hooks.filter((e) => e !== entry);
      const original = this.#unhooked;
      if (this.#hooks.length > 0 || original === null) return;
      this.#unhooked = null;
      if (original.own) {
        Object.defineProperty(this, 'forward', { value: original.forward, configurable: true, writable: true });
      } else {
        delete (this as { forward?: unknown }).forward;
      }
    };
  }
}

function checkName(name: string, owner: Module<any, any>): void {
  if (name === '' || name.includes('.')) {
    throw new Error(`${owner.typeName}: invalid name '${name}' (non-empty, without '.')`);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
