// What every view of the inspector page uses: the DOM look-up, the status line and error
// reporting, number formatting, and fetches of the server's JSON and array bodies.
import type { Rgb } from '../overlay.js';

declare global {
  interface Window {
    inspector: Record<string, unknown>;
  }
}

export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
export const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#6e7781'];
export const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(digits));
export const hex = (c: Rgb): string => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return (await r.json()) as T;
}

/** A body of a JSON header line and arrays back to back (src/serve/inspector.ts sendArrays). */
export function splitBody(buffer: ArrayBuffer): { meta: Record<string, any>; bytes: Uint8Array } {
  const all = new Uint8Array(buffer);
  const nl = all.indexOf(10);
  return { meta: JSON.parse(new TextDecoder().decode(all.subarray(0, nl))), bytes: all.subarray(nl + 1) };
}

export function setStatus(text: string): void {
  $('#status').textContent = text;
}

export async function getArrays(path: string): Promise<{ meta: Record<string, any>; bytes: Uint8Array }> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return splitBody(await r.arrayBuffer());
}

export function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  window.inspector.error = message;
  document.body.dataset.state = 'error';
  setStatus(`error: ${message}`);
}
