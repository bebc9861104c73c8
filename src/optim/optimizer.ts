// Optimizer base: parameter groups, per-parameter state, and a state dict made of plain
// tensors plus JSON-able metadata, so a checkpoint can hold it in one safetensors file.
import { enableGrad, noGrad, tidy, Tensor } from '../torch/index.js';

/** Hyper-parameters every parameter group has. */
export interface GroupOptions {
  lr: number;
}

/** A parameter group: its tensors and its own copy of every hyper-parameter. */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & {
  params: Tensor[];
  /** The lr a schedule started from (set by the first LRScheduler, restored by loadStateDict). */
  initialLr?: number;
};

/** What a group is given as: its tensors and the hyper-parameters that differ from the defaults. */
export type ParamGroupInput<O extends GroupOptions = GroupOptions> = { params: readonly Tensor[] } & Partial<O>;

/** Parameters to optimize: a plain list (one group) or several groups with their own options. */
export type ParamsInput<O extends GroupOptions = GroupOptions> = readonly Tensor[] | readonly ParamGroupInput<O>[];

/** The JSON-able part of an optimizer state dict. */
export interface OptimizerMeta {
  /** The optimizer class ('SGD', 'Adam', 'AdamW'). */
  type: string;
  /** Each group's hyper-parameters, and its parameters as indices into the flat parameter list. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
  /** The shape of every parameter, in flat order (checked on load). */
  paramShapes: number[][];
}

/**
 * An optimizer's state: per-parameter tensors keyed 'state.<paramIndex>.<name>' (PyTorch's
 * names: momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq, step) and JSON-able metadata.
 */
export interface OptimizerStateDict {
  tensors: Map<string, Tensor>;
  meta: OptimizerMeta;
}

type ParamState = Map<string, Tensor>;

export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly #state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = { ...defaults };
    if (params.length === 0) throw new Error(`${this.typeName}: got an empty parameter list`);
    const groups: readonly ParamGroupInput<O>[] =
      params[0] instanceof Tensor ? [{ params: params as readonly Tensor[] } as ParamGroupInput<O>] : (params as readonly ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** The class name ('SGD', 'Adam', ...), stored in state dicts. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Checks one group's hyper-parameters; throws an Error naming the bad value. */
  protected abstract validate(group: ParamGroup<O>): void;

  /** Updates one parameter in place from its gradient; runs under noGrad inside tidy(). */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** The state names a parameter of this group must have once it has any state. */
  protected abstract stateNames(group: ParamGroup<O>): string[];

  /** Adds a group of parameters; options it does not set come from the defaults. */
  addParamGroup(input: ParamGroupInput<O>): void {
    if (!input || !Array.isArray(input.params)) {
      throw new Error(`${this.typeName}: a parameter group needs a 'params' array of tensors, got ${String(input)}`);
    }
    const group = { ...this.defaults, ...input, params: [...input.params] } as ParamGroup<O>;
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const [i, p] of group.params.entries()) {
      if (!(p instanceof Tensor)) throw new Error(`${this.typeName}: params[${i}] is not a Tensor: ${String(p)}`);
      if (!p.isLeaf) throw new Error(`${this.typeName}: params[${i}] is not a leaf tensor (${p}); optimize leaves only`);
      if (seen.has(p)) throw new Error(`${this.typeName}: params[${i}] appears in more than one parameter group`);
      seen.add(p);
    }
    checkNumber(this.typeName, 'lr', group.lr, 0);
    this.validate(group);
    this.paramGroups.push(group);
  }

  /** Every parameter, in flat (state dict) order. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * Clears the gradients: sets them to null (the default, PyTorch 2's set_to_none), or
   * zeroes them in place with setToNone false.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.params) {
      if (setToNone) {
        p.grad = null;
      } else {
        const g = p.grad;
        if (g) {
          g.zero_();
          g.dispose();
        }
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (others, e.g. frozen ones, are left
   * alone). With a closure, it is called first with grad enabled and its result returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const result = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          tidy(() => {
            const grad = p.grad;
            if (grad === null) return;
            this.update(p, grad, this.#stateOf(p), group);
          });
        }
      }
    });
    return result;
  }

  #stateOf(p: Tensor): ParamState {
    let s = this.#state.get(p);
    if (!s) {
      s = new Map();
      this.#state.set(p, s);
    }
    return s;
  }

  /** Stores a new state tensor for a parameter (it leaves every tidy scope; the optimizer owns it). */
  protected setState(state: ParamState, name: string, value: Tensor): Tensor {
    state.get(name)?.dispose();
    state.set(name, value.keep());
    return value;
  }

  /**
   * The optimizer's state. Tensors are the live state (not copies): save them, do not
   * dispose them. Hyper-parameters (lr included) travel in meta.
   */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, Tensor>();
    const params = this.params;
    params.forEach((p, i) => {
      for (const [name, t] of this.#state.get(p) ?? []) tensors.set(`state.${i}.${name}`, t);
    });
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params: ps, ...hyper } = g;
      return { ...structuredClone(hyper), params: ps.map(() => next++) };
    });
    return { tensors, meta: { type: this.typeName, paramGroups, paramShapes: params.map((p) => p.shape) } };
  }

  /**
   * Restores state and hyper-parameters saved by stateDict() from an optimizer of the same
   * type over parameters of the same shapes. The tensors are copied (to each parameter's
   * dtype and device), so the caller may dispose its own.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const who = `${this.typeName}.loadStateDict`;
    const { tensors, meta } = sd ?? {};
    if (!(tensors instanceof Map) || typeof meta !== 'object' || meta === null) {
      throw new Error(`${who}: expected {tensors: Map, meta: {...}} as made by stateDict(), got ${String(sd)}`);
    }
    if (meta.type !== this.typeName) throw new Error(`${who}: the state is from a ${meta.type} optimizer, not ${this.typeName}`);
    if (!Array.isArray(meta.paramGroups) || meta.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${who}: the state has ${meta.paramGroups?.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    meta.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i]!.params.length;
      if (!Array.isArray(g.params) || g.params.length !== own) {
        throw new Error(`${who}: parameter group ${i} has ${g.params?.length} parameters in the state, ${own} here`);
      }
    });
    // The groups as they will be once loaded: saved hyper-parameters (amsgrad, momentum) decide the state expected.
    const restored = meta.paramGroups.map((saved, i) => {
      const { params: _indices, ...hyper } = saved;
      const group = { ...this.paramGroups[i]!, ...structuredClone(hyper) } as ParamGroup<O>;
      checkNumber(who, `lr of group ${i}`, group.lr, 0);
      this.validate(group);
      return { hyper, group };
    });
    const params = this.params;
    const groupOf = restored.flatMap(({ group }) => group.params.map(() => group));
    params.forEach((p, i) => {
      const saved = meta.paramShapes?.[i];
      if (!Array.isArray(saved) || !sameShape(saved, p.shape)) {
        throw new Error(`${who}: parameter ${i} has shape [${p.shape}], the state was saved for [${saved}]`);
      }
    });
    // Check every entry before changing anything, so a failed load leaves the optimizer as it was.
    const incoming = new Map<number, Map<string, Tensor>>();
    for (const [key, t] of tensors) {
      const m = /^state\.(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key);
      if (!m) throw new Error(`${who}: unexpected key '${key}' (expected 'state.<paramIndex>.<name>')`);
      const index = Number(m[1]);
      const name = m[2]!;
      const p = params[index];
      if (!p) throw new Error(`${who}: key '${key}' names parameter ${index}, but there are only ${params.length}`);
      if (!(t instanceof Tensor)) throw new Error(`${who}: '${key}' is not a Tensor`);
      if (!this.stateNames(groupOf[index]!).includes(name)) {
        throw new Error(`${who}: unexpected state '${name}' for parameter ${index} (expected ${this.stateNames(groupOf[index]!).join(', ') || 'none'})`);
      }
      if (name !== 'step' && !sameShape(t.shape, p.shape)) {
        throw new Error(`${who}: '${key}' has shape [${t.shape}], parameter ${index} has [${p.shape}]`);
      }
      if (!incoming.has(index)) incoming.set(index, new Map());
      incoming.get(index)!.set(name, t);
    }
    for (const [index, names] of incoming) {
      const missing = this.stateNames(groupOf[index]!).filter((n) => !names.has(n));
      if (missing.length) throw new Error(`${who}: parameter ${index} lacks state ${missing.join(', ')}`);
    }
    // Copy before freeing the current state: the incoming tensors may be that state itself
    // (opt.loadStateDict(opt.stateDict())). tidy frees the copies made so far if one fails.
    const copies = noGrad(() =>
      tidy(() =>
        [...incoming].map(([index, names]) => {
          const p = params[index]!;
          const own = new Map<string, Tensor>();
          for (const [name, t] of names) {
            // State tensors take their parameter's layout (a channels_last weight's too), as p.clone() made them.
            const memoryFormat = p.ndim === 4 && !p.isContiguous() && p.isContiguous('channelsLast') ? 'channelsLast' : undefined;
            const copy = name === 'step' ? t.to({ dtype: 'float32', device: 'cpu' }) : t.to({ dtype: p.dtype, device: p.device, memoryFormat });
            // .to() returns the same tensor when nothing changes; the optimizer needs its own.
            own.set(name, copy.isSame(t) ? copy.clone() : copy);
          }
          return [index, own] as const;
        }),
      ),
    );
    this.dispose();
    for (const [index, own] of copies) {
      const state = this.#stateOf(params[index]!);
      for (const [name, t] of own) this.setState(state, name, t);
    }
    restored.forEach(({ hyper }, i) => Object.assign(this.paramGroups[i]!, structuredClone(hyper)));
  }

  /** Frees the optimizer's state tensors (not the parameters). */
  dispose(): void {
    for (const s of this.#state.values()) for (const t of s.values()) t.dispose();
    this.#state.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless value is a finite number >= min (and < max when given). */
export function checkNumber(owner: string, name: string, value: unknown, min: number, max?: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (max !== undefined && value >= max)) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max})`;
    throw new Error(`${owner}: invalid ${name} ${String(value)}, expected a number ${range}`);
  }
}
