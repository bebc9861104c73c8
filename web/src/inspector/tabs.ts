// The tabs: showing a view opens it for the chosen source.
import { $, fail } from './common.js';
import { openLatent } from './latent.js';
import { openModel } from './model.js';
import { openPredictions } from './predictions.js';
import { scheduleCharts } from './runs.js';
import { openScores } from './scores.js';
import { state } from './state.js';

let tab = 'runs';
export function selectTab(name: string): void {
  tab = name;
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.classList.toggle('on', b.dataset.tab === name);
  for (const s of document.querySelectorAll<HTMLElement>('main > section')) s.hidden = s.id !== name;
  if (name === 'predictions') void openPredictions().catch(fail);
  if (name === 'scores') void openScores().catch(fail);
  if (name === 'model') void openModel().catch(fail);
  if (name === 'latent') void openLatent().catch(fail);
  if (name === 'runs') scheduleCharts();
}

/** The Latent tab shows only for a source with a 2-D latent space; leaving it falls back to Runs. */
export function latentTab(): void {
  const on = state.sources[state.source]?.latent === true;
  $<HTMLButtonElement>('nav button[data-tab="latent"]').hidden = !on;
  if (!on && tab === 'latent') tab = 'runs';
}

/** Shows the current tab again (after the source changed). */
export function reselectTab(): void {
  selectTab(tab);
}
