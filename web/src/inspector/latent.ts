// The Latent view (the autoencoder with a 2-D latent space): the split at its codes, an image
// on hover, and the decoder's picture of any point clicked.
import { scatterPlot } from '../charts.js';
import type { Rgb } from '../overlay.js';
import { $, fail, getArrays, getJson, hex } from './common.js';
import { state } from './state.js';

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

export async function openLatent(): Promise<void> {
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

export async function decodeAt(z: [number, number], plot: ReturnType<typeof scatterPlot>): Promise<void> {
  const view = $('#latent');
  view.dataset.decoded = 'loading';
  plot.mark(z[0], z[1]);
  const meta = await drawRgba(`api/runs/${state.source}/latent/decode?z=${z[0]},${z[1]}`, $<HTMLCanvasElement>('#latent-decoded'));
  $('#latent-z').textContent = `decoded at (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
  window.inspector.latentDecoded = { z: meta.z };
  view.dataset.decoded = 'ready';
}
