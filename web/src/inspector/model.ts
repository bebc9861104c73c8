// The Model view: the layer table, and a layer's filters and activations on the image chosen
// under Predictions.
import { $, fail, getArrays, getJson, splitBody } from './common.js';
import { state } from './state.js';

interface LayerEntry {
  name: string;
  type: string;
  hasKernels: boolean;
}

let chosenLayer = -1;

export async function openModel(): Promise<void> {
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
