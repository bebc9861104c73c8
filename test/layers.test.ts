import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayers, formatGraph, importSpecifiers, LAYER_RANKS } from '../scripts/check-layers.js';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

test('src/ imports point down the layers only: no upward or sideways import, no cycle between folders', () => {
  const report = checkLayers(src);
  assert.deepEqual(report.violations, []);
  // The check saw the real tree: every folder of src/ is ranked and appears in the graph.
  const folders = readdirSync(src).filter((f) => statSync(join(src, f)).isDirectory());
  assert.ok(folders.length >= 12, `expected the library's folders, found ${folders.join(', ')}`);
  for (const f of folders) assert.ok(f in LAYER_RANKS, `src/${f} has no rank`);
  assert.ok(report.edges.length > 100, `only ${report.edges.length} cross-folder imports found`);
  assert.match(formatGraph(report), /^ {2}0 {2}torch +-> \(nothing\)$/m);
});

/** A throwaway source tree: { 'data/a.ts': 'source', ... }. */
function plant(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pixelwise-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('an upward import fails the check with a message naming the file and line', (t) => {
  const root = plant({
    'viz/draw.ts': 'export const draw = 1;\n',
    'data/loader.ts': "// a comment\nimport { draw } from '../viz/draw.js';\nexport const x = draw;\n",
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { violations } = checkLayers(root);
  assert.equal(violations.length, 1);
  assert.match(violations[0]!, /^data\/loader\.ts:2 imports '\.\.\/viz\/draw\.js': data \(rank 3\) may not import viz \(rank 4\)/);
});

test('a cycle between folders fails the check, naming a file for each step', (t) => {
  const root = plant({
    'train/fit.ts': "import { run } from '../infer/run.js';\nexport const fit = run;\n",
    'infer/run.ts': "export const run = 1;\nexport const later = () => import('../train/fit.js');\n",
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { violations } = checkLayers(root);
  const cycle = violations.find((v) => v.startsWith('cycle'));
  assert.ok(cycle, violations.join('\n'));
  assert.match(cycle, /infer -> train -> infer: infer\/run\.ts:2 imports train; train\/fit\.ts:1 imports infer/);
  // Both edges are also reported on their own: train and infer share a rank.
  assert.ok(violations.includes("train/fit.ts:1 imports '../infer/run.js': train and infer share rank 8 and may not import each other"), violations.join('\n'));
  assert.ok(violations.includes("infer/run.ts:2 imports '../train/fit.js': infer and train share rank 8 and may not import each other"), violations.join('\n'));
});

test('unranked folders, imports of the package root and imports leaving the tree are violations', (t) => {
  const root = plant({
    'index.ts': "export * from './torch/t.js';\n",
    'torch/t.ts': 'export const t = 1;\n',
    'gadgets/g.ts': "import { t } from '../torch/t.js';\nexport const g = t;\n",
    'nn/m.ts': "export { t } from '../index.js';\nimport '../../elsewhere/x.js';\n",
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { violations } = checkLayers(root);
  assert.ok(violations.some((v) => /^gadgets\/g\.ts: folder 'gadgets' has no rank/.test(v)), violations.join('\n'));
  assert.ok(violations.some((v) => /^nn\/m\.ts:1 imports '\.\.\/index\.js' from the package root/.test(v)), violations.join('\n'));
  assert.ok(violations.some((v) => /^nn\/m\.ts:2 imports '\.\.\/\.\.\/elsewhere\/x\.js', which is outside/.test(v)), violations.join('\n'));
});

test('importSpecifiers reads every import form and skips comments and strings', () => {
  const source = [
    "import a from './a.js';",
    'import {',
    '  b,',
    '  type C,',
    "} from '../b.js';",
    "export * from './c.js';",
    "export { d } from './d.js';",
    "import type { E } from './e.js';",
    "import './f.js';",
    "const g = await import('./g.js');",
    "// import h from './h.js';",
    "/* import i from './i.js'; */",
    "const text = `import j from './j.js'`;",
    "import sharp from 'sharp';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source), [
    { specifier: './a.js', line: 1 },
    { specifier: '../b.js', line: 5 },
    { specifier: './c.js', line: 6 },
    { specifier: './d.js', line: 7 },
    { specifier: './e.js', line: 8 },
    { specifier: './f.js', line: 9 },
    { specifier: './g.js', line: 10 },
    { specifier: 'sharp', line: 14 },
  ]);
});
