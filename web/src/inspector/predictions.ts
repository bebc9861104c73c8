// The Predictions view: image | ground truth | prediction over the split, zoomed and panned
// together, with errors-only, the binary threshold and the per-image list.
import { LabelOverlay, type Rgb } from '../overlay.js';
import { PanZoom } from '../pan-zoom.js';
import { $, fail, getJson, pct, splitBody } from './common.js';
import { refreshImageScores, state, type Sample } from './state.js';

export const truthView = new LabelOverlay({ opacity: 0.55, legend: 'all', slider: false, minDisplayWidth: 256, editColors: true });
export const predictionView = new LabelOverlay({ opacity: 0.55, legend: 'all', slider: false, minDisplayWidth: 256, editColors: true });
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

export async function loadSample(index: number): Promise<void> {
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

let predictionsFor = -1;
export async function openPredictions(index?: number): Promise<void> {
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

/** Forgets which source the list was drawn for, so the next open reloads it. */
export function forgetPredictions(): void {
  predictionsFor = -1;
}

let panZoom: PanZoom | null = null;

export function setupPredictions(): void {
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
