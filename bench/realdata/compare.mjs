#!/usr/bin/env node
// Prints the comparison table of one real-data recipe from the files bench/realdata/run.sh
// leaves: the pixelwise run folder (metrics.jsonl, eval.json, wall.txt) and the PyTorch
// reference's JSON line (pytorch.json), optionally the reference's score of pixelwise's best
// checkpoint (crosscheck.json) and pixelwise's full-resolution score of it (eval-full.json).
//   node bench/realdata/compare.mjs RUN_DIR
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/realdata/compare.mjs RUN_DIR (the folder run.sh wrote)');
  process.exit(2);
}
const read = (path) => readFileSync(join(dir, path), 'utf8');
for (const [side, file] of [['pixelwise', 'pixelwise/metrics.jsonl'], ['pixelwise', 'pixelwise/eval.json'], ['PyTorch', 'pytorch.json']]) {
  if (!existsSync(join(dir, file))) {
    console.error(`${join(dir, file)} is missing: run the ${side} side of this recipe into ${dir} first (SIDES=... OUT=${dir})`);
    process.exit(1);
  }
}
const json = (path) => JSON.parse(read(path).trim().split('\n').pop());

const records = read('pixelwise/metrics.jsonl').trim().split('\n').map((l) => JSON.parse(l));
const pwEval = json('pixelwise/eval.json');
const pt = json('pytorch.json');
const pwWall = Number(read('pixelwise/wall.txt'));
const ptWall = Number(read('pytorch-wall.txt'));
const best = records.reduce((b, r) => (r.meanIoU > b.meanIoU ? r : b), records[0]);
const pwImages = records.reduce((s, r) => s + Math.round(r.imagesPerSecond * r.seconds), 0);
const pwSeconds = records.reduce((s, r) => s + r.seconds, 0);
const ptRecords = readFileSync(join(pt.out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const ptSeconds = ptRecords.reduce((s, r) => s + r.seconds, 0);

const rows = [
  {
    side: 'pixelwise',
    steps: records.at(-1).step,
    epochs: records.length,
    images: pwImages,
    loop: pwSeconds,
    wall: pwWall,
    ips: pwImages / pwSeconds,
    bestEpoch: best.epoch,
    acc: pwEval.pixelAccuracy,
    miou: pwEval.meanIoU,
    lastMiou: records.at(-1).meanIoU,
  },
  {
    side: 'PyTorch',
    steps: pt.steps,
    epochs: pt.epochs,
    images: pt.images,
    loop: ptSeconds,
    wall: ptWall,
    ips: pt.images / ptSeconds,
    bestEpoch: pt.bestEpoch,
    acc: pt.pixelAccuracy,
    miou: pt.meanIoU,
    lastMiou: ptRecords.at(-1).meanIoU,
  },
];
const pct = (v) => (100 * v).toFixed(2);
const header = ['side', 'steps', 'epochs', 'train images', 'epoch s', 'wall s', 'img/s', 'best epoch', 'pixel acc %', 'mIoU %', 'last-epoch mIoU %'];
const table = [
  header,
  ...rows.map((r) => [r.side, r.steps, r.epochs, r.images, r.loop.toFixed(1), r.wall.toFixed(1), r.ips.toFixed(2), r.bestEpoch, pct(r.acc), pct(r.miou), pct(r.lastMiou)].map(String)),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) => '| ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
console.log(line(table[0]));
console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
for (const row of table.slice(1)) console.log(line(row));
console.log(
  `parameters: pixelwise ${pwEval.parameters ?? countFromConfig()} / PyTorch ${pt.parameters}; ` +
    `speed ratio (pixelwise img/s / PyTorch img/s) ${(rows[0].ips / rows[1].ips).toFixed(3)}`,
);
if (existsSync(join(dir, 'pixelwise/eval-full.json')) && read('pixelwise/eval-full.json').trim()) {
  const f = json('pixelwise/eval-full.json');
  console.log(`pixelwise's best checkpoint at full resolution (eval --full-resolution, labels as stored): pixel acc ${pct(f.pixelAccuracy)} %, mIoU ${pct(f.meanIoU)} %`);
}
if (existsSync(join(dir, 'crosscheck.json'))) {
  const c = json('crosscheck.json');
  const same = Math.abs(c.meanIoU - pwEval.meanIoU) < 1e-9 && Math.abs(c.pixelAccuracy - pwEval.pixelAccuracy) < 1e-9;
  console.log(
    `cross-check: the reference scores pixelwise's best checkpoint at pixel acc ${pct(c.pixelAccuracy)} %, mIoU ${pct(c.meanIoU)} %` +
      (same ? ' (equal to pixelwise eval)' : ` (pixelwise eval: ${pct(pwEval.pixelAccuracy)} / ${pct(pwEval.meanIoU)}; the pipelines differ slightly)`),
  );
}

function countFromConfig() {
  try {
    return JSON.parse(read('pixelwise/params.txt'));
  } catch {
    return '?';
  }
}
