// The Runs view: training curves of the chosen runs, following their metrics.jsonl live.
import { lineChart, smooth, type Series } from '../charts.js';
import { $, COLORS, hex, pct, setStatus } from './common.js';
import { state, type EpochRecord, type SourceInfo } from './state.js';

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
export function scheduleCharts(): void {
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

export function setupRuns(): void {
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
