// Every code block a user may copy compiles: the ```ts blocks of README.md and the @example
// blocks of the doc comments in src/, type-checked against the built package (two tsc runs,
// about 3 s: the README's blocks and the examples take different values as given).
// README blocks are whole programs (their own imports; a few names they take as given are
// declared in README_CONTEXT). @example blocks are fragments: the names they use are imported
// from their own module or from the package, and the values they take as given (a model, an
// image, ...) are declared in EXAMPLE_CONTEXT, with their types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Snippet {
  /** Where it comes from, for messages: README.md:12 or src/x/y.ts:34. */
  origin: string;
  /** Its source file (for @example: the module it documents). */
  source: string;
  /** First line of the code in that file (1-based). */
  line: number;
  code: string;
}

/** The ```ts blocks of a Markdown file. */
export function markdownBlocks(path: string): Snippet[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    out.push({ origin: `${relative(root, path)}:${start + 1}`, source: path, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

/** The @example blocks of the doc comments of a TypeScript file (up to the next tag or the comment's end). */
export function exampleBlocks(path: string): Snippet[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*\*\//.test(lines[end]!) && !/^\s*\*\s*@\w/.test(lines[end]!)) end++;
    const code = lines.slice(start, end).map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    out.push({ origin: `${relative(root, path)}:${start + 1}`, source: path, line: start + 1, code });
    i = end - 1;
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Names a snippet declares itself (const/let/var, destructuring, functions, classes): never imported. */
function declaredNames(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|using)\s+(\{[^}]*\}|\[[^\]]*\]|[A-Za-z_$][\w$]*)/g)) {
    for (const n of m[1]!.replace(/[{}[\]]/g, ' ').split(/[\s,:]+/)) if (/^[A-Za-z_$][\w$]*$/.test(n)) out.add(n);
  }
  for (const m of code.matchAll(/\b(?:function|class)\s+([A-Za-z_$][\w$]*)/g)) out.add(m[1]!);
  return out;
}

/** Names a .d.ts exports (declarations and re-exports). */
function exportedNames(dts: string): Set<string> {
  const text = readFileSync(dts, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:const|let|function|class|interface|type|enum|namespace) ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]!);
  for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  for (const m of text.matchAll(/^export \* as ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]!);
  return names;
}

// What the examples take as given, typed: a doc comment shows a call, not the lines that made its inputs.
const EXAMPLE_CONTEXT = `
type P = typeof import('pixelwise');
declare const model: import('pixelwise').ZooModel & import('pixelwise').nn.Module<[import('pixelwise').Tensor], import('pixelwise').Tensor>;
declare const vgg: import('pixelwise').models.VGG;
declare const autoencoder: import('pixelwise').models.ConvAutoencoder;
declare const myNet: import('pixelwise').nn.Module<[import('pixelwise').Tensor], import('pixelwise').Tensor>;
declare const image: import('pixelwise').RawImage;
declare const photo: import('pixelwise').RawImage;
declare const gray: import('pixelwise').RawImage;
declare const rgbaIcon: import('pixelwise').RawImage;
declare const icon: import('pixelwise').RawImage;
declare const digit: import('pixelwise').RawImage;
declare const crop: import('pixelwise').RawImage;
declare const sample: import('pixelwise').data.Sample;
declare const options: import('pixelwise').TrainRunOptions;
declare const probabilities: import('pixelwise').image.ScalarMap;
declare const foreground: import('pixelwise').image.ScalarMap;
declare const mask: import('pixelwise').LabelMap;
declare const probs: import('pixelwise').Tensor;
declare const masks: import('pixelwise').Tensor;
declare const predicted: import('pixelwise').Tensor;
declare const predictedLabels: import('pixelwise').Tensor;
declare const trueLabels: import('pixelwise').Tensor;
declare const foregroundProbabilities: import('pixelwise').Tensor;
declare const y: import('pixelwise').Tensor;
declare function criterion(output: import('pixelwise').Tensor, target: import('pixelwise').Tensor): import('pixelwise').Tensor;
declare const pixels: Uint8Array;
declare const width: number;
declare const height: number;
declare const classIndices: Uint8Array;
declare const pred: import('pixelwise').LabelMap;
declare const prediction: import('pixelwise').LabelMap;
declare const labels: import('pixelwise').Tensor & import('pixelwise').LabelMap;
declare const names: string[];
declare const classNames: string[];
declare const config: import('pixelwise').checkpoint.CheckpointConfig;
declare const dataset: import('pixelwise').data.Dataset;
declare const loader: import('pixelwise').DataLoader;
declare const cm: import('pixelwise').metrics.ConfusionMatrix;
declare const predictor: import('pixelwise').infer.Predictor;
declare const url: string;
declare const x: import('pixelwise').Tensor;
declare const images: import('pixelwise').Tensor;
declare function train(images: import('pixelwise').Tensor, labels: import('pixelwise').Tensor): void;
`;

// What the README's blocks take as given: the reader's own model, network and data.
const README_CONTEXT = `
declare const model: import('pixelwise').ZooModel & import('pixelwise').nn.Module<[import('pixelwise').Tensor], import('pixelwise').Tensor>;
declare const autoencoder: import('pixelwise').models.ConvAutoencoder;
declare const myNet: import('pixelwise').nn.Module<[import('pixelwise').Tensor], import('pixelwise').Tensor>;
declare const x: import('pixelwise').Tensor;
declare const y: import('pixelwise').Tensor;
declare const opt: import('pixelwise').optim.Optimizer<any>;
declare const dataset: { length: number };
declare const batchSize: number;
declare const epoch: number;
declare const confusion: import('pixelwise').Tensor;
declare function batchesOf(indices: readonly number[], size: number): Iterable<number[]>;
`;

test('every README code block and every @example in src/ compiles against the package', { timeout: 300_000 }, () => {
  const snippets: (Snippet & { kind: 'readme' | 'example' })[] = [
    ...['README.md', 'examples/README.md'].flatMap((f) => markdownBlocks(join(root, f))).map((s) => ({ ...s, kind: 'readme' as const })),
    ...tsFiles(join(root, 'src')).flatMap(exampleBlocks).map((s) => ({ ...s, kind: 'example' as const })),
  ];
  assert.ok(snippets.length >= 50, `found ${snippets.length} code blocks`);
  const top = exportedNames(join(root, 'dist/src/index.d.ts'));
  // The package's namespaces (image, data, ...) and what each exports.
  const namespaces = new Map<string, Set<string>>();
  for (const m of readFileSync(join(root, 'dist/src/index.d.ts'), 'utf8').matchAll(/^export \* as (\w+) from '\.\/(\w+)\/index\.js'/gm)) {
    namespaces.set(m[1]!, exportedNames(join(root, 'dist/src', m[2]!, 'index.d.ts')));
  }
  const dir = join(root, 'dist', 'doc-snippets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const origins = new Map<string, Snippet & { offset: number }>();
  snippets.forEach((s, i) => {
    let head: string[];
    if (s.kind === 'readme') {
      head = [];
    } else {
      // Names the fragment uses, from its own module first, then from the package.
      const own = join(root, 'dist', relative(root, s.source)).replace(/\.ts$/, '.d.ts');
      const ownNames = exportedNames(own);
      const code = s.code.replace(/\/\/.*$/gm, '').replace(/'[^']*'|"[^"]*"/g, "''");
      const declared = declaredNames(code);
      // Identifiers, not property names (x.name) or object keys ({ name: ... }).
      const used = new Set([...code.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)(?!\s*:(?!:))/g)].map((m) => m[1]!).filter((n) => !declared.has(n)));
      // A namespace name (image, train, data) only where the snippet reaches into it (image.vocPalette).
      const usesNamespace = (n: string): boolean => [...code.matchAll(new RegExp(`(?<![\\w$.])${n}\\.(\\w+)`, 'g'))].some((m) => namespaces.get(n)!.has(m[1]!));
      const imports = new Map<string, string[]>();
      const add = (from: string, name: string): void => void imports.set(from, [...(imports.get(from) ?? []), name]);
      const toSpec = (dts: string): string => {
        const spec = relative(dir, dts.replace(/\.d\.ts$/, '.js')).replace(/\\/g, '/');
        return spec.startsWith('.') ? spec : './' + spec;
      };
      for (const n of used) {
        if (namespaces.has(n)) {
          if (usesNamespace(n)) add('pixelwise', n);
        } else if (ownNames.has(n)) add(toSpec(own), n);
        else if (top.has(n)) add('pixelwise', n);
        else {
          const ns = [...namespaces].find(([, names]) => names.has(n));
          if (ns) add(toSpec(join(root, 'dist/src', ns[0], 'index.d.ts')), n);
        }
      }
      head = [...imports].map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`);
    }
    const body = s.code;
    const file = join(dir, `s${String(i).padStart(3, '0')}.ts`);
    // `export {}` keeps every snippet a module (its own scope, top-level await allowed).
    writeFileSync(file, [...head, body, 'export {};', ''].join('\n'));
    files.push(file);
    origins.set(file, { ...s, offset: head.length });
  });
  writeFileSync(join(dir, 'example-context.d.ts'), EXAMPLE_CONTEXT);
  writeFileSync(join(dir, 'readme-context.d.ts'), README_CONTEXT);
  // The two contexts declare some names differently, so each gets its own program.
  const config = (name: string, list: string[], context: string): string => {
    const path = join(dir, `tsconfig.${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        compilerOptions: {
          target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'esnext.disposable'],
          types: ['node'], strict: true, noEmit: true, skipLibCheck: true,
        },
        files: [context, ...list].map((f) => relative(dir, f)),
      }),
    );
    return path;
  };
  const readmeFiles = files.filter((f) => origins.get(f)!.source.endsWith('.md'));
  const exampleFiles = files.filter((f) => !origins.get(f)!.source.endsWith('.md'));
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const errors: string[] = [];
  for (const project of [config('readme', readmeFiles, join(dir, 'readme-context.d.ts')), config('examples', exampleFiles, join(dir, 'example-context.d.ts'))]) {
    let output = '';
    try {
      execFileSync(tsc, ['-p', project, '--pretty', 'false'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? '') + String((err as { stderr?: string }).stderr ?? '');
    }
    for (const line of output.split('\n')) {
      const m = /^(.*?\.ts)\((\d+),(\d+)\): (.*)$/.exec(line.trim());
      if (!m) {
        if (line.trim()) errors.push(line.trim());
        continue;
      }
      const s = origins.get(join(root, m[1]!)) ?? origins.get(join(dir, m[1]!)) ?? origins.get(m[1]!);
      errors.push(s ? `${relative(root, s.source)}:${s.line + Number(m[2]) - 1 - s.offset}: ${m[4]}` : line.trim());
    }
  }
  assert.deepEqual(errors, [], `code blocks that do not compile:\n${errors.join('\n')}`);
  rmSync(dir, { recursive: true, force: true });
});
