// The Try it view: a dropped or chosen image predicted by the server at full resolution.
import { onImageFile } from '../file-drop.js';
import { LabelOverlay } from '../overlay.js';
import { $, fail, splitBody } from './common.js';
import { state } from './state.js';

export const tryView = new LabelOverlay({ opacity: 0.6 });

export async function tryImage(file: Blob, name: string): Promise<void> {
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

export function setupTry(): void {
  $('#try-view').append(tryView.element);
  onImageFile($<HTMLInputElement>('#file'), $('#drop'), (f) => void tryImage(f, f.name).catch(fail));
}
