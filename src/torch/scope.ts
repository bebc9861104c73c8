// Deterministic freeing of native tensors: tidy() scopes and keep().
// Every tensor joins the innermost open scope when it is created; a scope frees all
// of its tensors when it closes, except those its function returns (they move out).

export interface Scoped {
  scope: Set<Scoped> | null;
  dispose(): void;
}

const stack: Set<Scoped>[] = [];

export function track(t: Scoped): void {
  const scope = stack[stack.length - 1];
  if (scope) {
    scope.add(t);
    t.scope = scope;
  }
}

export function untrack(t: Scoped): void {
  t.scope?.delete(t);
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

/**
 * Runs fn and frees every tensor it created, except the tensors in its result
 * (a tensor, or arrays / plain objects / Maps holding tensors), which move to the
 * enclosing scope. If fn throws, everything it created is freed. fn must be synchronous.
 * @example
 *   const loss = tidy(() => criterion(model.forward(x), y)); // every other intermediate is freed
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Scoped>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy(fn): fn must be synchronous; tensors cannot be tracked across await');
  }
  const survivors = new Set<Scoped>();
  collect(result, survivors, new Set());
  for (const t of scope) {
    if (survivors.has(t)) {
      t.scope = null;
      track(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Removes tensors from every scope so no tidy() frees them; the caller disposes them. */
export function keep<T extends Scoped | Scoped[]>(value: T): T {
  for (const t of Array.isArray(value) ? value : [value]) untrack(t);
  return value;
}
