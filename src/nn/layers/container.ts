// Containers: Sequential chains layers; ModuleList and ModuleDict only hold them (their
// parameters appear in stateDict under the same keys as in PyTorch: '0.weight', 'up.bias').
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

type AnyModule = Module<any, any>;

function checkModule(owner: string, what: string, m: unknown): AnyModule {
  if (!(m instanceof Module)) {
    const got = m === null ? 'null' : typeof m === 'object' ? (m.constructor?.name ?? 'object') : typeof m;
    throw new Error(`${owner}: ${what} must be a Module, got ${got}`);
  }
  return m;
}

function indexIn(owner: string, i: number, length: number): number {
  const j = i < 0 ? i + length : i;
  if (!Number.isInteger(i) || j < 0 || j >= length) {
    throw new RangeError(`${owner}: index ${i} out of range for ${length} modules`);
  }
  return j;
}

/**
 * Layers applied one after the other. Children are named '0', '1', ... as in PyTorch, or
 * take the names of a record: new Sequential({ conv: new Conv2d(...), relu: new ReLU() }).
 */
export class Sequential extends Module<[Tensor], Tensor> {
  constructor(...layers: AnyModule[]);
  constructor(named: Record<string, AnyModule>);
  constructor(...args: unknown[]) {
    super();
    const first = args[0];
    if (args.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, m] of Object.entries(first)) this.registerModule(name, checkModule('Sequential', `layer '${name}'`, m));
    } else {
      args.forEach((m, i) => this.registerModule(String(i), checkModule('Sequential', `argument ${i}`, m)));
    }
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th layer (negative counts from the end). */
  at(i: number): AnyModule {
    const children = this.children();
    return children[indexIn('Sequential', i, children.length)]!;
  }

  /** Adds a layer at the end, named by its position. */
  append(m: AnyModule): this {
    this.registerModule(String(this.length), checkModule('Sequential', 'appended layer', m));
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  /**
   * Chains the children, freeing each intermediate output as soon as the next layer has used it
   * (autograd keeps what backward needs), as PyTorch frees them by reference counting; a forward
   * hook that keeps an output must clone it.
   */
  forward(x: Tensor): Tensor {
    let h = x;
    try {
      for (const m of this.children()) {
        const next = m.forward(h);
        if (h !== x && next !== h) h.dispose();
        h = next;
      }
    } catch (err) {
      if (h !== x) h.dispose();
      throw err;
    }
    return h;
  }
}

/** An indexable list of modules (registered as '0', '1', ...); it has no forward of its own. */
export class ModuleList extends Module<never[], never> {
  constructor(modules: Iterable<AnyModule> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): AnyModule {
    const children = this.children();
    return children[indexIn('ModuleList', i, children.length)]!;
  }

  append(m: AnyModule): this {
    this.registerModule(String(this.length), checkModule('ModuleList', 'appended module', m));
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.children()[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it and call each module');
  }
}

/** Modules by name (registered under those names); it has no forward of its own. */
export class ModuleDict extends Module<never[], never> {
  constructor(modules: Record<string, AnyModule> = {}) {
    super();
    for (const [name, m] of Object.entries(modules)) this.set(name, m);
  }

  get size(): number {
    return this.children().length;
  }

  has(name: string): boolean {
    return this.keys().includes(name);
  }

  /** The module called name, or an Error listing the names there are. */
  get(name: string): AnyModule {
    for (const [key, m] of this.namedChildren()) if (key === name) return m;
    throw new Error(`ModuleDict: no module '${name}'; available: ${this.keys().join(', ') || '(none)'}`);
  }

  /** Adds (or replaces) the module called name. */
  set(name: string, m: AnyModule): this {
    this.registerModule(name, checkModule('ModuleDict', `module '${name}'`, m));
    return this;
  }

  keys(): string[] {
    return [...this.namedChildren()].map(([name]) => name);
  }

  entries(): [string, AnyModule][] {
    return [...this.namedChildren()];
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: get a module by name and call it');
  }
}
