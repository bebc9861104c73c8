// Raw HTTP against the inspector (node:http, so the Host header and the path go out exactly
// as written: fetch would normalise '../' and refuses to set Host), and a snapshot of a
// folder's files to show the inspector never writes a run folder.
import { request } from 'node:http';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SyntheticDataset } from '../../src/data/datasets/synthetic.js';
import { writeFolderDataset } from '../../src/data/export.js';
import type { TrainRunOptions } from '../../src/train/run.js';
import { trainTinyRun } from '../cli/helpers.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function raw(port: number, path: string, o: { host?: string; method?: string; headers?: Record<string, string>; body?: Uint8Array; address?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: o.address ?? '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { Host: o.host ?? `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** path -> size and mtime of every file under dir. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out[p] = `${s.size} ${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** A sample or prediction body: the JSON header line and the bytes after it. */
export function splitArrays(body: Buffer): { meta: Record<string, any>; bytes: Uint8Array } {
  const nl = body.indexOf(10);
  return { meta: JSON.parse(body.subarray(0, nl).toString('utf8')), bytes: new Uint8Array(body.subarray(nl + 1)) };
}

/**
 * A tiny trained run to serve: 32x32 synthetic scenes written as a folder dataset (train 8, val 6),
 * one epoch of a small U-Net. numClasses 2 with loss 'bce' makes a one-output (binary) model.
 */
export async function tinyServedRun(dir: string, overrides: Partial<TrainRunOptions> = {}, numClasses = 4): Promise<{ run: string; data: string }> {
  const data = join(dir, 'data');
  for (const [split, count] of [['train', 8], ['val', 6]] as const) {
    await writeFolderDataset(new SyntheticDataset({ format: 'synthetic', split, count, size: 32, seed: 3, numClasses }), data, split);
  }
  const run = await trainTinyRun(join(dir, 'run'), { data: { format: 'folder', root: data, split: 'train' }, valSplit: 'val', ...overrides });
  return { run, data };
}
