// Axis ticks at round numbers and their labels, for linear and log axes.

/**
 * The round step (1, 2, 2.5 or 5 times a power of ten) giving at most about `maxTicks` ticks
 * over `span`; `integer` keeps it a whole number (counts such as epochs).
 */
export function niceStep(span: number, maxTicks = 6, integer = false): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = Number((m * power).toPrecision(12));
    if (step >= raw * (1 - 1e-9) && (!integer || Number.isInteger(step))) return step;
  }
  return 10 * power;
}

/** Ticks at multiples of a nice step inside [min, max]; `integer`: whole-number steps of at least 1. */
export function linearTicks(min: number, max: number, maxTicks = 6, integer = false): { ticks: number[]; step: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new Error(`tick range [${min}, ${max}] must be finite with min <= max`);
  }
  const step = integer ? Math.max(1, niceStep(max - min, maxTicks, true)) : niceStep(max - min, maxTicks);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last && ticks.length < 1000; k++) {
    // Rounding through the step's own precision keeps 0.30000000000000004 out of labels.
    ticks.push(Number((k * step).toPrecision(12)) || 0);
  }
  return { ticks, step };
}

/** Ticks for a log axis over [min, max] (both > 0): powers of ten, or 1-2-5 steps within a decade. */
export function logTicks(min: number, max: number, maxTicks = 6): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) throw new Error(`log tick range [${min}, ${max}] must be positive`);
  const lo = Math.floor(Math.log10(min)), hi = Math.ceil(Math.log10(max));
  const decades = hi - lo;
  const every = Math.max(1, Math.ceil(decades / maxTicks));
  const mult = decades <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += every) {
    for (const m of mult) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/** Labels for ticks that share a step: same number of decimals, exponent form for very large or small values. */
export function formatTicks(ticks: readonly number[], step?: number): string[] {
  if (ticks.length === 0) return [];
  const biggest = Math.max(...ticks.map(Math.abs));
  const s = step ?? (ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : biggest || 1);
  if (biggest >= 1e6 || (biggest > 0 && biggest < 1e-3)) {
    return ticks.map((t) => formatExp(t, s));
  }
  const decimals = decimalsOf(s);
  return ticks.map((t) => cleanZero(t.toFixed(decimals)));
}

/** A short label for one value (legend text, annotations). */
export function formatValue(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return trimExp(v.toExponential(digits - 1));
  return cleanZero(String(Number(v.toPrecision(digits))));
}

function decimalsOf(step: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6 * 10 ** d * step) return d;
  return 12;
}

function formatExp(t: number, step: number): string {
  if (t === 0) return '0';
  const e = Math.floor(Math.log10(Math.abs(t)));
  const mantissaStep = step / 10 ** e;
  const digits = Math.min(6, decimalsOf(Number(mantissaStep.toPrecision(6))));
  return trimExp(t.toExponential(digits));
}

// 1.50e+6 -> 1.5e6, 2.0e-7 -> 2e-7: shorter labels, same value.
function trimExp(s: string): string {
  const [m, e] = s.split('e');
  const mantissa = m!.includes('.') ? m!.replace(/0+$/, '').replace(/\.$/, '') : m!;
  return `${mantissa}e${Number(e)}`;
}

function cleanZero(s: string): string {
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
