// The Scores view: the split's summary, per-class table and confusion matrix; a matrix cell
// lists the images with those pixels.
import { $, fail, getJson, pct } from './common.js';
import { openPredictions } from './predictions.js';
import { refreshImageScores, state } from './state.js';
import { selectTab } from './tabs.js';

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

export async function openScores(): Promise<void> {
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
