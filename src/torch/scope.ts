// Deterministic freeing of native tensors: tidy() scopes and keep().
// Every tensor joins the innermost open scope when it is created; a scope frees all
// of its tensors when it closes, except those its function returns (they move out).
// A tensor that no scope owns (made outside tidy, kept, or returned to the top level) is
// "orphaned": only dispose() or, as a safety net, the garbage collector frees it.

export interface Scoped {
  /** @internal the tidy() scope holding this tensor, or null */
  scope: Scoped[] | null;
  /** @internal its position in `scope` (removal is a swap with the last entry) */
  scopeIndex: number;
  dispose(): void;
  /** @internal no scope owns it from now on: the owner arranges the GC safety net */
  orphan(): void;
}

const stack: Scoped[][] = [];

export function track(t: Scoped): void {
  const scope = stack[stack.length - 1];
  if (scope === undefined) {
    t.orphan();
    return;
  }
  t.scope = scope;
  t.scopeIndex = scope.length;
  scope.push(t);
}

/** Removes t from its scope (it is being disposed, or kept). */
export function untrack(t: Scoped): void {
  const scope = t.scope;
  if (scope === null) return;
  const last = scope.pop()!;
  if (last !== t) {
    scope[t.scopeIndex] = last;
    last.scopeIndex = t.scopeIndex;
  }
  t.scope = null;
}

function collect(value: unknown, out: Set<Scoped>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isScoped(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

let isScoped: (v: object) => v is Scoped & object = (_v): _v is Scoped => false;
/** Tells the scope machinery which objects are tensors (set once by tensor.ts). */
export function setScopedCheck(check: (v: object) => boolean): void {
  isScoped = check as typeof isScoped;
}

// Closes a scope: survivors move to the enclosing scope (or are orphaned), the rest are freed.
function close(scope: Scoped[], survivors: Set<Scoped> | null): void {
  // Detached first, so dispose() does not reorder the array being walked.
  for (const t of scope) t.scope = null;
  for (const t of scope) {
    if (survivors !== null && survivors.has(t)) track(t);
    else t.dispose();
  }
}

/**
 * Runs fn and frees every tensor it created, except the tensors in its result
 * (a tensor, or arrays / plain objects / Maps holding tensors), which move to the
 * enclosing scope. If fn throws, everything it created is freed. fn must be synchronous.
 * @example
 *   const loss = tidy(() => criterion(model.forward(x), y)); // every other intermediate is freed
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scoped[] = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    close(scope, null);
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    close(scope, null);
    throw new TypeError('tidy(fn): fn must be synchronous; tensors cannot be tracked across await');
  }
  let survivors: Set<Scoped> | null = null;
  if (result !== null && typeof result === 'object') {
    survivors = new Set<Scoped>();
    collect(result, survivors, new Set());
  }
  close(scope, survivors);
  return result;
}

/** Removes tensors from every scope so no tidy() frees them; the caller disposes them. */
export function keep<T extends Scoped | Scoped[]>(value: T): T {
  for (const t of Array.isArray(value) ? value : [value]) {
    if (t.scope !== null) {
      untrack(t);
      t.orphan();
    }
  }
  return value;
}
