// The inspector page (`pixelwise serve`): training curves that follow metrics.jsonl live,
// image | ground truth | prediction over a split, the split's scores and confusion matrix,
// the model's layers, and predictions for a dropped image. Masks arrive as class indices (and
// 8-bit probabilities for binary models) and are coloured here by LabelOverlay, the same
// component the ONNX web page uses, so sliders and toggles need no round trip. For tests the
// page's objects are on window.inspector and each section says data-state="ready" when drawn.
import { $, fail, getJson } from './common.js';
import { state, type SourceInfo } from './state.js';
import { setupRuns } from './runs.js';
import { forgetPredictions, loadSample, openPredictions, predictionView, setupPredictions, truthView } from './predictions.js';
import { decodeAt } from './latent.js';
import { setupTry, tryImage, tryView } from './try-it.js';
import { latentTab, reselectTab, selectTab } from './tabs.js';

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
  select.addEventListener('change', () => {
    state.source = Number(select.value);
    forgetPredictions();
    latentTab();
    reselectTab();
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
