// The inspector page (`pixelwise serve`): training curves that follow metrics.jsonl live,
// image | ground truth | prediction over a split, the split's scores and confusion matrix,
// the model's layers, and predictions for a dropped image. Masks arrive as class indices (and
// 8-bit probabilities for binary models) and are coloured here by LabelOverlay, the same
// component the ONNX web page uses, so sliders and toggles need no round trip. For tests the
// page's objects are on window.inspector and each section says data-state="ready" when drawn.
import { LabelOverlay, type Rgb } from './overlay.js';
import { PanZoom } from './pan-zoom.js';
import { onImageFile } from './file-drop.js';
import { lineChart, scatterPlot, smooth, type Series } from './charts.js';

interface SourceInfo {
  id: number;
  label: string;
  isRun: boolean;
  hasMetrics: boolean;
  hasCheckpoint: boolean;
  hasData: boolean;
  model: string | null;
  binary: boolean;
  /** The autoencoder with a 2-D latent space (the Latent view). */
  latent: boolean;
  classes: { names: string[]; palette: Rgb[] } | null;
}

type EpochRecord = Record<string, unknown> & { epoch: number; step: number; elapsed: number; trainLoss: number; valLoss: number | null; meanIoU: number | null; lr: number; perClassIoU: Record<string, number | null> | null };

interface Sample {
  index: number;
  name: string;
  width: number;
  height: number;
  meanIoU: number | null;
  image: ImageData;
  prediction: Uint8Array;
  truth: Uint8Array | null;
  probability: Uint8Array | null;
}

declare global {
  interface Window {
    inspector: Record<string, unknown>;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#6e7781'];
const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(digits));
const hex = (c: Rgb): string => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return (await r.json()) as T;
}

/** A body of a JSON header line and arrays back to back (src/serve/inspector.ts sendArrays). */
function splitBody(buffer: ArrayBuffer): { meta: Record<string, any>; bytes: Uint8Array } {
  const all = new Uint8Array(buffer);
  const nl = all.indexOf(10);
  return { meta: JSON.parse(new TextDecoder().decode(all.subarray(0, nl))), bytes: all.subarray(nl + 1) };
}

function setStatus(text: string): void {
  $('#status').textContent = text;
}

const state = {
  sources: [] as SourceInfo[],
  source: 0,
  records: new Map<number, EpochRecord[]>(),
  streams: new Map<number, EventSource>(),
  shownRuns: new Set<number>(),
  sample: null as Sample | null,
  sampleOrder: [] as number[],
  names: [] as string[],
  imageScores: new Map<number, number | null>(),
  scoresTimer: 0,
};

// ---------- runs ----------

function follow(id: number): void {
  if (state.streams.has(id)) return;
  state.records.set(id, []);
  const es = new EventSource(`api/runs/${id}/events`);
  es.addEventListener('record', (e) => {
    state.records.get(id)!.push(JSON.parse((e as MessageEvent<string>).data) as EpochRecord);
    scheduleCharts();
  });
  es.addEventListener('problem', (e) => setStatus(`metrics: ${JSON.parse((e as MessageEvent<string>).data)}`));
  state.streams.set(id, es);
}

let chartsQueued = false;
function scheduleCharts(): void {
  if (chartsQueued) return;
  chartsQueued = true;
  requestAnimationFrame(() => {
    chartsQueued = false;
    drawCharts();
  });
}

function drawCharts(): void {
  const axis = $<HTMLSelectElement>('#x-axis').value as 'epoch' | 'step' | 'elapsed';
  const weight = Number($<HTMLInputElement>('#smoothing').value);
  $('#smoothing-value').textContent = weight.toFixed(2);
  const runs = state.sources.filter((s) => state.shownRuns.has(s.id) && s.hasMetrics);
  const multi = runs.length > 1;
  const line = (s: SourceInfo, i: number, key: keyof EpochRecord, name: string, dashed = false): Series => ({
    name: multi ? `${s.label} ${name}` : name,
    color: COLORS[(i * 2 + (dashed ? 1 : 0)) % COLORS.length]!,
    dashed,
    points: smooth((state.records.get(s.id) ?? []).map((r) => [Number(r[axis]), (r[key] as number | null) ?? null] as const), weight),
  });
  const xLabel = axis === 'elapsed' ? 'seconds' : axis;
  const xIntegers = axis !== 'elapsed';
  const charts = [
    lineChart(runs.flatMap((s, i) => [line(s, i, 'trainLoss', 'train loss'), line(s, i, 'valLoss', 'val loss', true)]), { title: 'loss', xLabel, xIntegers }),
    lineChart(runs.map((s, i) => line(s, i, 'meanIoU', 'val mIoU')), { title: 'validation mean IoU', xLabel, xIntegers, yRange: [0, 1], yFormat: (v) => `${Math.round(v * 100)}%` }),
    lineChart(runs.map((s, i) => line(s, i, 'lr', 'lr')), { title: 'learning rate', xLabel, xIntegers }),
  ];
  // Per-class IoU of the run picked in the header.
  const picked = state.sources[state.source];
  const recs = picked ? (state.records.get(picked.id) ?? []) : [];
  const classNames = Object.keys(recs.find((r) => r.perClassIoU)?.perClassIoU ?? {});
  const palette = picked?.classes?.palette ?? [];
  charts.push(
    lineChart(
      classNames.map((name, k) => ({
        name,
        // The overlay's colour of the class (the legend swatch matches the overlay's legend).
        color: k < palette.length ? hex(palette[k]!) : COLORS[k % COLORS.length]!,
        points: smooth(recs.map((r) => [Number(r[axis]), r.perClassIoU?.[name] ?? null] as const), weight),
      })),
      { title: `per-class IoU (${picked?.label ?? ''})`, xLabel, xIntegers, yRange: [0, 1], yFormat: (v) => `${Math.round(v * 100)}%` },
    ),
  );
  $('#charts').replaceChildren(...charts);
  $('#runs').dataset.state = 'ready';
  const n = recs.length;
  setStatus(`${picked?.label ?? ''}: ${n} epoch record${n === 1 ? '' : 's'}${!n ? '' : recs[n - 1]!.meanIoU !== null ? `, last val mIoU ${pct(recs[n - 1]!.meanIoU)}%` : recs[n - 1]!.valLoss !== null ? `, last val loss ${recs[n - 1]!.valLoss!.toPrecision(3)}` : ''}`);
}

function setupRuns(): void {
  const withMetrics = state.sources.filter((s) => s.hasMetrics);
  $('#run-picks').replaceChildren(
    ...withMetrics.map((s) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = state.shownRuns.has(s.id);
      box.addEventListener('change', () => {
        if (box.checked) state.shownRuns.add(s.id);
        else state.shownRuns.delete(s.id);
        follow(s.id);
        scheduleCharts();
      });
      label.append(box, ` ${s.label} `);
      return label;
    }),
  );
  for (const id of state.shownRuns) follow(id);
  $('#x-axis').addEventListener('change', scheduleCharts);
  $('#smoothing').addEventListener('input', scheduleCharts);
  drawCharts();
}

// ---------- predictions ----------

const truthView = new LabelOverlay({ opacity: 0.55, legend: 'all', slider: false, minDisplayWidth: 256, editColors: true });
const predictionView = new LabelOverlay({ opacity: 0.55, legend: 'all', slider: false, minDisplayWidth: 256, editColors: true });
/** Class colours edited in a legend (class index -> colour), for the source the panes show. */
const colorEdits = new Map<number, Rgb>();
const CORRECT = 'correct (not shown)';

function classSetup(errorsOnly: boolean): void {
  const c = state.sources[state.source]?.classes;
  if (!c) return;
  const names = errorsOnly ? [...c.names, CORRECT] : c.names;
  const palette = c.palette.map((p, k) => colorEdits.get(k) ?? p);
  const colors = errorsOnly ? [...palette, [128, 128, 128] as Rgb] : palette;
  for (const v of [truthView, predictionView]) {
    v.setClasses(names, colors);
    if (errorsOnly) v.setClassVisible(c.names.length, false);
  }
}

function thresholdByte(): number {
  return Number($<HTMLInputElement>('#threshold').value);
}

// Foreground where the probability byte round(255 p) exceeds the slider's t, i.e. where
// p >= (t + 0.5) / 255: t = 127 is eval's 0.5, up to pixels within half a step of it.
const thresholdOf = (t: number): number => (t + 0.5) / 255;

/** The prediction as shown: re-thresholded for binary models (probability byte > threshold byte). */
function shownPrediction(s: Sample): Uint8Array {
  if (!s.probability) return s.prediction;
  const t = thresholdByte();
  return Uint8Array.from(s.probability, (p) => (p > t ? 1 : 0));
}

function showSample(): void {
  const s = state.sample;
  if (!s) return;
  const errorsOnly = $<HTMLInputElement>('#errors').checked;
  const k = state.sources[state.source]?.classes?.names.length ?? 0;
  const pred = shownPrediction(s);
  const canvas = $<HTMLCanvasElement>('#image-canvas');
  canvas.width = s.width;
  canvas.height = s.height;
  canvas.getContext('2d')!.putImageData(s.image, 0, 0);
  truthView.setImage(s.image);
  predictionView.setImage(s.image);
  // Small pictures enlarged by a whole factor to about 256 CSS px; the three panes zoom and pan together.
  const zoom = Math.max(1, Math.round(256 / s.width));
  panZoom!.setBase(s.width * zoom, s.height * zoom, s.width);
  if ($<HTMLInputElement>('#true-size').checked) panZoom!.trueSize();
  if (s.truth) {
    // Errors only: the truth pane shows what was missed (false negatives, in the true class),
    // the prediction pane what was wrongly claimed (false positives, in the predicted class).
    const t = s.truth;
    truthView.setLabels(errorsOnly ? Uint8Array.from(t, (v, i) => (v === pred[i] ? k : v)) : t, s.width, s.height);
    predictionView.setLabels(errorsOnly ? Uint8Array.from(pred, (v, i) => (v === t[i] || t[i]! >= k ? k : v)) : pred, s.width, s.height);
  } else {
    truthView.clearLabels();
    predictionView.setLabels(pred, s.width, s.height);
  }
  let info = `${s.name} · ${s.height}x${s.width} (HxW) · image mIoU ${pct(s.meanIoU)}%`;
  if (s.probability && s.truth) {
    let inter = 0, union = 0;
    for (let i = 0; i < pred.length; i++) {
      if (s.truth[i]! >= k) continue;
      const p = pred[i] === 1, g = s.truth[i] === 1;
      if (p && g) inter++;
      if (p || g) union++;
    }
    const iou = union ? inter / union : null;
    info += ` · foreground IoU at threshold ${thresholdOf(thresholdByte()).toFixed(3)}: ${pct(iou)}% (8-bit probabilities)`;
    window.inspector.liveIoU = iou;
  }
  $('#sample-info').textContent = info;
  $('#predictions').dataset.state = 'ready';
}

async function loadSample(index: number): Promise<void> {
  const r = await fetch(`api/runs/${state.source}/samples/${index}`);
  if (!r.ok) throw new Error(`image ${index}: ${r.status} ${(await r.text()).trim()}`);
  const { meta, bytes } = splitBody(await r.arrayBuffer());
  const n = meta.width * meta.height;
  let at = 0;
  const take = (len: number): Uint8Array => bytes.slice(at, (at += len));
  const image = new ImageData(new Uint8ClampedArray(take(4 * n).buffer as ArrayBuffer), meta.width, meta.height);
  const prediction = take(n);
  const truth = meta.hasTruth ? take(n) : null;
  const probability = meta.hasProbability ? take(n) : null;
  state.sample = { index, name: meta.name, width: meta.width, height: meta.height, meanIoU: meta.meanIoU, image, prediction, truth, probability };
  state.imageScores.set(index, meta.meanIoU);
  for (const li of document.querySelectorAll<HTMLLIElement>('#sample-list li')) li.classList.toggle('on', Number(li.dataset.index) === index);
  showSample();
}

function drawSampleList(): void {
  const worst = $<HTMLSelectElement>('#sort').value === 'worst';
  const order = state.names.map((_, i) => i);
  if (worst) {
    const key = (i: number): number => state.imageScores.get(i) ?? Infinity;
    order.sort((a, b) => key(a) - key(b) || a - b);
  }
  state.sampleOrder = order;
  $('#sample-list').replaceChildren(
    ...order.map((i) => {
      const li = document.createElement('li');
      li.dataset.index = String(i);
      const score = state.imageScores.get(i);
      li.innerHTML = '<span></span><span></span>';
      li.children[0]!.textContent = state.names[i]!;
      li.children[1]!.textContent = score === undefined ? '' : `${pct(score)}%`;
      li.classList.toggle('on', state.sample?.index === i);
      li.addEventListener('click', () => void loadSample(i).catch(fail));
      return li;
    }),
  );
}

async function refreshImageScores(): Promise<{ done: number; total: number; summary: any; images: { index: number; meanIoU: number | null }[] } | null> {
  const r = await fetch(`api/runs/${state.source}/scores?start=1`);
  if (!r.ok) return null;
  const s = await r.json();
  for (const im of s.images) state.imageScores.set(im.index, im.meanIoU);
  return s;
}

let predictionsFor = -1;
async function openPredictions(index?: number): Promise<void> {
  const info = state.sources[state.source]!;
  if (!info.hasCheckpoint || !info.hasData) {
    $('#sample-info').textContent = `${info.label}: ${info.hasCheckpoint ? 'no data (give --data DIR --format F)' : 'no checkpoint yet'}`;
    return;
  }
  if (predictionsFor !== state.source) {
    predictionsFor = state.source;
    colorEdits.clear();
    const list = await getJson<{ names: string[]; binary: boolean }>(`api/runs/${state.source}/samples`);
    state.names = list.names;
    state.imageScores.clear();
    $('#threshold-box').hidden = !list.binary;
    classSetup($<HTMLInputElement>('#errors').checked);
    drawSampleList();
    await loadSample(index ?? 0);
    // Per-image scores arrive as the split is scored (for 'worst first').
    const poll = async (): Promise<void> => {
      const s = await refreshImageScores();
      if ($<HTMLSelectElement>('#sort').value === 'worst' || (s && s.summary)) drawSampleList();
      if (s && !s.summary && predictionsFor === state.source) setTimeout(() => void poll(), 400);
    };
    void poll();
  } else if (index !== undefined) await loadSample(index);
}

let panZoom: PanZoom | null = null;

function setupPredictions(): void {
  $('#truth-pane').append(truthView.element);
  $('#prediction-pane').append(predictionView.element);
  panZoom = new PanZoom([$<HTMLCanvasElement>('#image-canvas'), truthView.canvas, predictionView.canvas]);
  window.inspector.panZoom = panZoom;
  const trueSize = $<HTMLInputElement>('#true-size');
  trueSize.addEventListener('change', () => (trueSize.checked ? panZoom!.trueSize() : panZoom!.reset()));
  $('#zoom-reset').addEventListener('click', () => {
    trueSize.checked = false;
    panZoom!.reset();
  });
  panZoom.addEventListener('viewchange', (e) => {
    const v = (e as CustomEvent<{ scale: number }>).detail;
    $('#zoom-value').textContent = `${Math.round(v.scale * 100)}%`;
  });
  const opacity = $<HTMLInputElement>('#opacity');
  opacity.addEventListener('input', () => {
    truthView.opacity = predictionView.opacity = Number(opacity.value) / 100;
    $('#opacity-value').textContent = `${opacity.value}%`;
  });
  truthView.opacity = predictionView.opacity = Number(opacity.value) / 100;
  // One set of class toggles for both panes.
  truthView.addEventListener('classtoggle', (e) => predictionView.setClassVisible((e as CustomEvent).detail.index, (e as CustomEvent).detail.visible));
  predictionView.addEventListener('classtoggle', (e) => truthView.setClassVisible((e as CustomEvent).detail.index, (e as CustomEvent).detail.visible));
  // Editable colours: a legend swatch recolours its class in both panes, in the page only.
  const recolour = (other: LabelOverlay) => (e: Event): void => {
    const { index, color } = (e as CustomEvent<{ index: number; color: Rgb }>).detail;
    colorEdits.set(index, color);
    other.setClassColor(index, color);
  };
  truthView.addEventListener('colorchange', recolour(predictionView));
  predictionView.addEventListener('colorchange', recolour(truthView));
  $('#errors').addEventListener('change', () => {
    classSetup($<HTMLInputElement>('#errors').checked);
    showSample();
  });
  const threshold = $<HTMLInputElement>('#threshold');
  const showThreshold = (): void => void ($('#threshold-value').textContent = thresholdOf(Number(threshold.value)).toFixed(3));
  threshold.addEventListener('input', () => {
    showThreshold();
    showSample();
  });
  showThreshold();
  $('#sort').addEventListener('change', drawSampleList);
  // What is under the cursor, in any of the three panes.
  const readout = (e: MouseEvent, canvas: HTMLCanvasElement): void => {
    const s = state.sample;
    if (!s) return;
    const box = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - box.left) / box.width) * s.width);
    const y = Math.floor(((e.clientY - box.top) / box.height) * s.height);
    if (x < 0 || y < 0 || x >= s.width || y >= s.height) return;
    const i = y * s.width + x;
    const names = state.sources[state.source]?.classes?.names ?? [];
    const name = (v: number | undefined): string => (v === undefined ? '-' : (names[v] ?? `ignored (${v})`));
    $('#readout').textContent = `x ${x}, y ${y} · truth: ${name(s.truth?.[i])} · prediction: ${name(shownPrediction(s)[i])}${s.probability ? ` · p(foreground) ${(s.probability[i]! / 255).toFixed(3)}` : ''}`;
  };
  for (const c of [$<HTMLCanvasElement>('#image-canvas'), truthView.canvas, predictionView.canvas]) c.addEventListener('mousemove', (e) => readout(e, c));
}

// ---------- scores ----------

let scoresSort: { key: string; desc: boolean } = { key: 'class', desc: false };
let scoresSummary: any = null;

function drawClassTable(): void {
  const s = scoresSummary;
  const names: string[] = Object.keys(s.perClassIoU);
  const rows = names.map((n, k) => ({ k, class: n, iou: s.perClassIoU[n], acc: s.perClassAccuracy[n], dice: s.perClassDice[n], support: s.classPixels[n] }));
  const { key, desc } = scoresSort;
  if (key !== 'class') rows.sort((a, b) => ((a as any)[key] ?? -1) - ((b as any)[key] ?? -1));
  if (desc) rows.reverse();
  const head = [['class', 'class'], ['iou', 'IoU %'], ['acc', 'accuracy %'], ['dice', 'Dice %'], ['support', 'pixels']];
  const table = $<HTMLTableElement>('#class-table');
  table.innerHTML = '';
  const tr = table.insertRow();
  for (const [k, label] of head) {
    const th = document.createElement('th');
    th.textContent = label! + (k === key ? (desc ? ' ▾' : ' ▴') : '');
    th.addEventListener('click', () => {
      scoresSort = { key: k!, desc: k === key ? !desc : k !== 'class' };
      drawClassTable();
    });
    tr.append(th);
  }
  for (const r of rows) {
    const row = table.insertRow();
    row.dataset.class = String(r.k);
    for (const v of [r.class, pct(r.iou, 2), pct(r.acc, 2), pct(r.dice, 2), String(r.support)]) row.insertCell().textContent = v;
  }
}

function drawMatrix(): void {
  const s = scoresSummary;
  const names: string[] = Object.keys(s.perClassIoU);
  const m: number[][] = s.confusionMatrix;
  const table = $<HTMLTableElement>('#matrix');
  table.innerHTML = '';
  const head = table.insertRow();
  head.append(document.createElement('th'));
  for (const n of names) {
    const th = document.createElement('th');
    th.textContent = n;
    head.append(th);
  }
  m.forEach((row, t) => {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.textContent = names[t]!;
    tr.append(th);
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      const td = tr.insertCell();
      const share = total ? count / total : 0;
      td.dataset.count = String(count);
      td.dataset.truth = String(t);
      td.dataset.predicted = String(p);
      td.textContent = total ? `${(100 * share).toFixed(share >= 0.995 || share === 0 ? 0 : 1)}` : '';
      td.title = `truth ${names[t]}, predicted ${names[p]}: ${count} pixels (${(100 * share).toFixed(2)}% of the row)`;
      td.style.background = `rgba(9, 105, 218, ${share.toFixed(3)})`;
      td.style.color = share > 0.55 ? '#fff' : '#222';
      td.addEventListener('click', () => void showCell(t, p, td).catch(fail));
    });
  });
}

async function showCell(t: number, p: number, td: HTMLElement): Promise<void> {
  for (const c of document.querySelectorAll('#matrix td.sel')) c.classList.remove('sel');
  td.classList.add('sel');
  const names: string[] = Object.keys(scoresSummary.perClassIoU);
  const images = await getJson<{ index: number; name: string; pixels: number }[]>(`api/runs/${state.source}/cell?truth=${t}&predicted=${p}`);
  const box = $('#cell-images');
  const title = document.createElement('h2');
  title.textContent = `truth ${names[t]}, predicted ${names[p]}: ${images.length} image${images.length === 1 ? '' : 's'}`;
  const links = images.map((im) => {
    const a = document.createElement('a');
    a.href = '#';
    a.dataset.index = String(im.index);
    a.textContent = `${im.name} (${im.pixels} px)`;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      selectTab('predictions');
      void openPredictions(im.index).catch(fail);
    });
    return a;
  });
  box.replaceChildren(title, ...links);
  box.dataset.state = 'ready';
}

async function openScores(): Promise<void> {
  const status = $('#scores-status');
  const tick = async (): Promise<void> => {
    const s = await refreshImageScores();
    if (!s) {
      status.textContent = 'no scores: this run has no checkpoint or the data has no label maps';
      return;
    }
    if (!s.summary) {
      status.textContent = `scoring the split at the training size: ${s.done} of ${s.total} images…`;
      state.scoresTimer = window.setTimeout(() => void tick().catch(fail), 300);
      return;
    }
    scoresSummary = s.summary;
    status.textContent = `${s.total} images at the training size, as 'pixelwise eval --json' scores them (${s.summary.convention.split(';')[0]})`;
    $('#summary-line').textContent = `pixel accuracy ${pct(s.summary.pixelAccuracy, 2)}% · mean accuracy ${pct(s.summary.meanAccuracy, 2)}% · mean IoU ${pct(s.summary.meanIoU, 2)}% · fw IoU ${pct(s.summary.fwIoU, 2)}%`;
    drawClassTable();
    drawMatrix();
    window.inspector.scores = s.summary;
    $('#scores').dataset.state = 'ready';
  };
  clearTimeout(state.scoresTimer);
  await tick();
}

// ---------- model ----------

interface LayerEntry {
  name: string;
  type: string;
  hasKernels: boolean;
}

let chosenLayer = -1;

async function openModel(): Promise<void> {
  const m = await getJson<{ architecture: string; inputShape: number[]; rows: { name: string; type: string; outputShapes: number[][]; params: number }[]; layers: LayerEntry[] }>(`api/runs/${state.source}/layers`);
  const total = m.rows.reduce((n, r) => n + r.params, 0);
  $('#model-info').textContent = `${m.architecture}: ${m.rows.length - 1} layers, ${total.toLocaleString('en-US')} parameters; output shapes for an input of [${m.inputShape.join(', ')}]. Click a layer for its filters and its activations on the image chosen under Predictions.`;
  const table = $<HTMLTableElement>('#layer-table');
  table.innerHTML = '<tr><th>#</th><th>layer</th><th>type</th><th>output shape</th><th>parameters</th></tr>';
  m.rows.forEach((r, i) => {
    const row = table.insertRow();
    const depth = r.name.split('.').length - 1;
    for (const v of [String(i), `${'  '.repeat(depth)}${r.name}`, r.type, r.outputShapes.map((s) => `[${s.join(', ')}]`).join(' '), r.params.toLocaleString('en-US')]) row.insertCell().textContent = v;
    (row.cells[1] as HTMLTableCellElement).style.paddingLeft = `${9 + depth * 12}px`;
    // Rows name layers by their index in the layer list (the server's layer numbers).
    const layer = m.layers.findIndex((l) => l.name === r.name);
    if (layer < 0) return;
    row.dataset.layer = String(layer);
    row.classList.add('pick');
    row.addEventListener('click', () => void showLayer(layer, m.layers[layer]!).catch(fail));
  });
  $('#model').dataset.state = 'ready';
  if (chosenLayer >= 0 && m.layers[chosenLayer]) await showLayer(chosenLayer, m.layers[chosenLayer]!);
}

/**
 * Tiles of 8-bit maps (th x tw, 1 or 3 interleaved channels each) as one canvas, `cols` per
 * row with a 1-pixel gap, drawn `scale` times larger with sharp pixels.
 */
function tileCanvas(bytes: Uint8Array, count: number, th: number, tw: number, channels: 1 | 3, cols: number, scale: number): HTMLCanvasElement {
  const rows = Math.ceil(count / cols);
  const canvas = document.createElement('canvas');
  canvas.width = cols * (tw + 1) - 1;
  canvas.height = rows * (th + 1) - 1;
  const img = new ImageData(canvas.width, canvas.height);
  img.data.fill(255);
  for (let t = 0; t < count; t++) {
    const ox = (t % cols) * (tw + 1), oy = Math.floor(t / cols) * (th + 1);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = (t * th * tw + y * tw + x) * channels;
        const dst = ((oy + y) * canvas.width + ox + x) * 4;
        for (let c = 0; c < 3; c++) img.data[dst + c] = bytes[src + (channels === 3 ? c : 0)]!;
      }
    }
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  canvas.style.width = `${canvas.width * scale}px`;
  canvas.className = 'tiles';
  canvas.dataset.tiles = String(count);
  return canvas;
}

async function getArrays(path: string): Promise<{ meta: Record<string, any>; bytes: Uint8Array }> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return splitBody(await r.arrayBuffer());
}

/** Screen pixels per tile pixel so a tile is about `target` pixels wide (at least 1). */
const scaleFor = (side: number, target: number): number => Math.max(1, Math.round(target / side));

async function showLayer(i: number, layer: LayerEntry): Promise<void> {
  chosenLayer = i;
  for (const r of document.querySelectorAll<HTMLTableRowElement>('#layer-table tr')) r.classList.toggle('on', r.dataset.layer === String(i));
  const view = $('#layer-view');
  view.dataset.state = 'loading';
  const title = document.createElement('h2');
  title.textContent = `${layer.name} (${layer.type})`;
  const parts: HTMLElement[] = [title];
  if (layer.hasKernels) {
    const { meta, bytes } = await getArrays(`api/runs/${state.source}/layers/${i}/filters`);
    const [o, ci, kh, kw] = meta.shape as number[];
    const caption = document.createElement('p');
    caption.className = 'muted';
    const count = meta.rgb ? meta.outs : meta.outs * meta.ins;
    // Grey tiles: each row holds whole groups of one output channel's inputs.
    const cols = meta.rgb ? Math.min(16, meta.outs) : meta.ins * Math.max(1, Math.round(Math.sqrt(count) / meta.ins));
    caption.textContent = meta.rgb
      ? `filters: ${o}x${ci}x${kh}x${kw}; the first ${meta.outs} as RGB kernels, each scaled to its own range`
      : `filters: ${o}x${ci}x${kh}x${kw}; outputs 0..${meta.outs - 1} x inputs 0..${meta.ins - 1} (${meta.ins} per output, row by row), grey, each scaled to its own range`;
    const grid = tileCanvas(bytes, count, kh!, kw!, meta.rgb ? 3 : 1, cols, scaleFor(kw!, 20));
    grid.id = 'filter-grid';
    parts.push(caption, grid);
  }
  const sample = state.sample?.index ?? 0;
  const r = await fetch(`api/runs/${state.source}/layers/${i}/activations/${sample}`);
  const caption = document.createElement('p');
  caption.className = 'muted';
  if (r.ok) {
    const { meta, bytes } = splitBody(await r.arrayBuffer());
    const [c, h, w] = meta.shape as number[];
    caption.textContent = `activations on image ${state.names[sample] ?? sample}: ${c}x${h}x${w} (C, H, W); the first ${meta.channels} channels, each scaled to its own range`;
    const grid = tileCanvas(bytes, meta.channels, h!, w!, 1, Math.min(8, meta.channels), scaleFor(Math.max(w!, h!), 56));
    grid.id = 'activation-grid';
    parts.push(caption, grid);
    window.inspector.layerView = { layer: i, sample, filters: layer.hasKernels, activations: meta };
  } else {
    caption.textContent = `activations: ${(await r.text()).trim()}`;
    parts.push(caption);
  }
  view.replaceChildren(...parts);
  view.dataset.state = 'ready';
}

// ---------- latent ----------

interface LatentSummary {
  count: number;
  total: number;
  points: number[];
  labels: number[];
  classes: { label: number; name: string; color: Rgb }[];
  imageSize: [number, number];
}

let latentFor = -1;
const thumbs = new Map<number, ImageData>();

/** An RGBA body (latent/images/i, latent/decode) drawn on a canvas at its own size. */
async function drawRgba(path: string, canvas: HTMLCanvasElement): Promise<Record<string, any>> {
  const { meta, bytes } = await getArrays(path);
  const image = new ImageData(new Uint8ClampedArray(bytes.slice(0, meta.width * meta.height * 4).buffer as ArrayBuffer), meta.width, meta.height);
  canvas.width = meta.width;
  canvas.height = meta.height;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return meta;
}

async function openLatent(): Promise<void> {
  if (latentFor === state.source) return;
  const info = $('#latent-info');
  info.textContent = 'encoding the split…';
  const l = await getJson<LatentSummary>(`api/runs/${state.source}/latent`);
  latentFor = state.source;
  thumbs.clear();
  const names = new Map(l.classes.map((c) => [c.label, c.name]));
  const plot = scatterPlot(l.points, l.labels, l.classes.map((c) => ({ ...c, color: hex(c.color) })));
  info.textContent = `${l.count} images${l.count < l.total ? ` (the first ${l.count} of ${l.total})` : ''} at their 2-D codes, coloured by label (the numbers 'pixelwise inspect latent' plots). Hover a point for its image; click anywhere on the plane to decode that point.`;
  let hovered = -1;
  plot.svg.addEventListener('mouseover', (e) => {
    const i = Number((e.target as Element).getAttribute('data-index') ?? -1);
    if (i < 0 || i === hovered) return;
    hovered = i;
    $('#latent-hover').textContent = `image ${i} · label ${names.get(l.labels[i]!) ?? l.labels[i]} · z (${l.points[2 * i]!.toFixed(2)}, ${l.points[2 * i + 1]!.toFixed(2)})`;
    void drawRgba(`api/runs/${state.source}/latent/images/${i}`, $<HTMLCanvasElement>('#latent-thumb'))
      .then(() => (window.inspector.latentHover = i))
      .catch(fail);
  });
  plot.svg.addEventListener('click', (e) => {
    const z = plot.toPlane(e.clientX, e.clientY);
    if (z) void decodeAt(z, plot).catch(fail);
  });
  $('#latent-plot').replaceChildren(plot.svg);
  window.inspector.latent = { count: l.count, points: l.points, labels: l.labels, plot };
  $('#latent').dataset.state = 'ready';
}

async function decodeAt(z: [number, number], plot: ReturnType<typeof scatterPlot>): Promise<void> {
  const view = $('#latent');
  view.dataset.decoded = 'loading';
  plot.mark(z[0], z[1]);
  const meta = await drawRgba(`api/runs/${state.source}/latent/decode?z=${z[0]},${z[1]}`, $<HTMLCanvasElement>('#latent-decoded'));
  $('#latent-z').textContent = `decoded at (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
  window.inspector.latentDecoded = { z: meta.z };
  view.dataset.decoded = 'ready';
}

// ---------- try it ----------

const tryView = new LabelOverlay({ opacity: 0.6 });

async function tryImage(file: Blob, name: string): Promise<void> {
  $('#try-status').textContent = `predicting ${name}…`;
  const r = await fetch(`api/runs/${state.source}/predict`, { method: 'POST', body: file });
  if (!r.ok) throw new Error(`${name}: ${(await r.text()).trim()}`);
  const { meta, bytes } = splitBody(await r.arrayBuffer());
  const n = meta.width * meta.height;
  const image = new ImageData(new Uint8ClampedArray(bytes.slice(0, 4 * n).buffer as ArrayBuffer), meta.width, meta.height);
  const labels = bytes.slice(4 * n, 5 * n);
  const c = state.sources[state.source]!.classes!;
  tryView.setClasses(c.names, c.palette);
  tryView.setImage(image);
  tryView.setLabels(labels, meta.width, meta.height);
  window.inspector.tryResult = { width: meta.width, height: meta.height, labels };
  $('#try-status').textContent = `${name}: ${meta.height}x${meta.width} (HxW), predicted as 'pixelwise predict' does (full resolution)`;
  $('#try').dataset.state = 'ready';
}

function setupTry(): void {
  $('#try-view').append(tryView.element);
  onImageFile($<HTMLInputElement>('#file'), $('#drop'), (f) => void tryImage(f, f.name).catch(fail));
}

// ---------- shell ----------

let tab = 'runs';
function selectTab(name: string): void {
  tab = name;
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.classList.toggle('on', b.dataset.tab === name);
  for (const s of document.querySelectorAll<HTMLElement>('main > section')) s.hidden = s.id !== name;
  if (name === 'predictions') void openPredictions().catch(fail);
  if (name === 'scores') void openScores().catch(fail);
  if (name === 'model') void openModel().catch(fail);
  if (name === 'latent') void openLatent().catch(fail);
  if (name === 'runs') scheduleCharts();
}

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  window.inspector.error = message;
  document.body.dataset.state = 'error';
  setStatus(`error: ${message}`);
}

async function main(): Promise<void> {
  const info = await getJson<{ sources: SourceInfo[] }>('api/info');
  state.sources = info.sources;
  state.shownRuns = new Set(info.sources.filter((s) => s.hasMetrics).map((s) => s.id));
  const select = $<HTMLSelectElement>('#source');
  select.replaceChildren(
    ...info.sources.map((s) => {
      const o = document.createElement('option');
      o.value = String(s.id);
      o.textContent = `${s.label}${s.model ? ` (${s.model})` : ''}`;
      return o;
    }),
  );
  const latentTab = (): void => {
    const on = state.sources[state.source]?.latent === true;
    $<HTMLButtonElement>('nav button[data-tab="latent"]').hidden = !on;
    if (!on && tab === 'latent') tab = 'runs';
  };
  select.addEventListener('change', () => {
    state.source = Number(select.value);
    predictionsFor = -1;
    latentTab();
    selectTab(tab);
  });
  latentTab();
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.addEventListener('click', () => selectTab(b.dataset.tab!));
  setupRuns();
  setupPredictions();
  setupTry();
  document.body.dataset.state = 'ready';
}

window.inspector = { state, truthView, predictionView, tryView, selectTab, openPredictions, loadSample, tryImage, decodeAt };
main().catch(fail);
