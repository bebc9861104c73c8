// The layering of src/: every top-level folder has a rank, and a file may import only from
// folders of a lower rank (its own folder aside). So imports point one way and no cycle between
// folders can form. `npm test` runs this over src/ (test/layers.test.ts); `npm run check:layers`
// prints the folder graph. TypeScript 7 has no compiler API, so import lines are scanned here:
// static imports and re-exports (`import/export ... from '...'`, `import '...'`) and dynamic
// `import('...')`, with comments and other string contents skipped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The order of the layers, bottom (0) to top. Folders of one rank do not import each other.
 * Folders that do not exist yet have their rank already, so new code lands in its place.
 */
export const LAYER_RANKS: Readonly<Record<string, number>> = Object.freeze({
  torch: 0, // Tensor, dtypes, scopes, grad mode, threads, RNG (the addon's TypeScript face)
  nn: 1, // Module, layers, init, functional ops, losses
  optim: 1, // optimizers and learning-rate schedules
  io: 1, // file formats (safetensors, foreign weight readers), atomic writes, progress events
  image: 2, // one image type, label maps, PNG/sharp codecs, resize, palettes, class tables, normalization
  data: 3, // datasets, transforms, loader, cache, check
  metrics: 3, // all scoring: confusion matrix, split scores, binary scores, threshold sweep, TGS
  viz: 4, // pictures from plain arrays
  models: 5, // the zoo; each model states its contract
  checkpoint: 6, // checkpoint files; a model rebuilt from one
  weights: 7, // foreign weights mapped onto the zoo (reads and writes checkpoints, so above checkpoint/)
  distributed: 7,
  train: 8,
  infer: 8,
  // Above infer: a --pipeline export pads as prediction does (infer's geometry) and
  // `predict --engine onnx` is infer's prediction with onnxruntime as the engine.
  onnx: 9,
  inspect: 9,
  serve: 10,
  cli: 11,
});

/** Files directly in src/ (index.ts, the public surface) sit above every folder. */
const ROOT_RANK = Infinity;

export interface ImportEdge {
  /** The importing file, relative to the source root ('data/classes.ts'). */
  file: string;
  line: number;
  specifier: string;
  from: string;
  to: string;
}

export interface LayerReport {
  /** folder -> folders it imports (other than itself). */
  graph: Map<string, Set<string>>;
  edges: ImportEdge[];
  /** One line per problem, each naming the file (and line) that causes it. */
  violations: string[];
}

/** Source text with comments and the contents of string literals other than import specifiers blanked. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      // Keep line breaks so line numbers stay right.
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '`') {
      // Template literals are never import specifiers; blank them (nested ${} kept simple).
      let j = i + 1;
      while (j < n && text[j] !== '`') j += text[j] === '\\' ? 2 : 1;
      out += '`' + text.slice(i + 1, j).replace(/[^\n]/g, ' ') + '`';
      i = j + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_PATTERNS = [
  // import x from '...', import { a, b } from '...', export * from '...', export { a } from '...', import type ...
  /\b(?:import|export)\s[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
  // import '...' (side effects only)
  /\bimport\s*(['"])([^'"\n]+)\1/g,
  // import('...')
  /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

/** The module specifiers a TypeScript source imports or re-exports, with their line numbers. */
export function importSpecifiers(source: string): { specifier: string; line: number }[] {
  const code = stripComments(source);
  const found = new Map<number, { specifier: string; line: number }>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of code.matchAll(pattern)) {
      const at = m.index! + m[0].lastIndexOf(m[2]!);
      const line = code.slice(0, at).split('\n').length;
      found.set(at, { specifier: m[2]!, line });
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The top-level folder of a path under root ('.' for files directly in root), or null outside root. */
function folderOf(root: string, path: string): string | null {
  const rel = relative(root, path);
  if (rel.startsWith('..') || resolve(root, rel) !== resolve(path)) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : '.';
}

/** Scans every .ts file under `root` and checks its relative imports against `ranks`. */
export function checkLayers(root: string, ranks: Readonly<Record<string, number>> = LAYER_RANKS): LayerReport {
  root = resolve(root);
  const rankOf = (folder: string): number | undefined => (folder === '.' ? ROOT_RANK : ranks[folder]);
  const graph = new Map<string, Set<string>>();
  const edges: ImportEdge[] = [];
  const violations: string[] = [];
  const unranked = new Set<string>();
  for (const path of sourceFiles(root)) {
    const file = relative(root, path).split(sep).join('/');
    const from = folderOf(root, path)!;
    if (rankOf(from) === undefined && !unranked.has(from)) {
      unranked.add(from);
      violations.push(`${file}: folder '${from}' has no rank in the layer table (scripts/check-layers.ts LAYER_RANKS); give it one`);
    }
    for (const { specifier, line } of importSpecifiers(readFileSync(path, 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // packages and node: builtins
      const target = resolve(dirname(path), specifier);
      const to = folderOf(root, target);
      const where = `${file}:${line}`;
      if (to === null) {
        violations.push(`${where} imports '${specifier}', which is outside ${relative(process.cwd(), root) || root}`);
        continue;
      }
      if (to === from) continue;
      edges.push({ file, line, specifier, from, to });
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
      const [rf, rt] = [rankOf(from), rankOf(to)];
      if (rf === undefined || rt === undefined) {
        if (rt === undefined && !unranked.has(to)) {
          unranked.add(to);
          violations.push(`${where} imports folder '${to}', which has no rank in the layer table; give it one`);
        }
        continue;
      }
      if (rt === ROOT_RANK) {
        violations.push(`${where} imports '${specifier}' from the package root (src/${target.split(sep).pop()}); import the module that defines it`);
      } else if (rt > rf) {
        violations.push(`${where} imports '${specifier}': ${from} (rank ${rf}) may not import ${to} (rank ${rt}), a higher layer`);
      } else if (rt === rf) {
        violations.push(`${where} imports '${specifier}': ${from} and ${to} share rank ${rf} and may not import each other`);
      }
    }
  }
  for (const component of folderCycles(graph)) {
    // Name one closed path through the component and, per step, the first file making it.
    const path = closedPath(graph, component);
    const steps = path.slice(1).map((to, i) => {
      const e = edges.find((x) => x.from === path[i] && x.to === to)!;
      return `${e.file}:${e.line} imports ${to}`;
    });
    violations.push(`cycle between folders ${path.join(' -> ')}: ${steps.join('; ')}`);
  }
  return { graph, edges, violations };
}

/** The strongly connected components of more than one folder (Tarjan's algorithm). */
export function folderCycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.reverse());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** A closed path start -> ... -> start inside a strongly connected component (shortest, by BFS). */
function closedPath(graph: Map<string, Set<string>>, component: string[]): string[] {
  const start = component[0]!;
  const inside = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = previous.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, start];
}

/** The folder graph as text: one line per folder, lowest layer first, with what it imports. */
export function formatGraph(report: LayerReport, ranks: Readonly<Record<string, number>> = LAYER_RANKS): string {
  const present = new Set<string>([...report.graph.keys(), ...[...report.graph.values()].flatMap((s) => [...s])]);
  const rank = (f: string): number => (f === '.' ? ROOT_RANK : (ranks[f] ?? -1));
  const folders = Object.keys(ranks)
    .filter((f) => present.has(f))
    .concat([...present].filter((f) => !(f in ranks)))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const name = (f: string): string => (f === '.' ? 'index.ts' : f);
  const width = Math.max(...folders.map((f) => name(f).length));
  const lines = folders.map((f) => {
    const r = rank(f) === ROOT_RANK ? 'top' : String(rank(f));
    const to = [...(report.graph.get(f) ?? [])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map(name);
    return `${r.padStart(3)}  ${name(f).padEnd(width)}  -> ${to.length ? to.join(', ') : '(nothing)'}`;
  });
  const missing = Object.keys(ranks).filter((f) => !present.has(f));
  if (missing.length) lines.push(`     not yet present: ${missing.join(', ')}`);
  return lines.join('\n');
}

// `node dist/scripts/check-layers.js [SRC]`: prints the graph and any violation; exit 1 on violations.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const root = resolve(process.argv[2] ?? 'src');
  const report = checkLayers(root);
  console.log(`folder graph of ${relative(process.cwd(), root) || root} (rank, folder -> folders it imports):`);
  console.log(formatGraph(report));
  if (report.violations.length) {
    console.log(`\n${report.violations.length} layering violation(s):`);
    for (const v of report.violations) console.log(`  ${v}`);
    process.exitCode = 1;
  } else {
    console.log('\nno upward or sideways import, no cycle');
  }
}
