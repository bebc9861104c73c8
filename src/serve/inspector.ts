// The inspector's HTTP server (`pixelwise serve`): the page (assets/inspector, built from
// web/ by esbuild) and a JSON/binary API over the runs, checkpoints and data it was given.
// Every request passes access.ts (Host header, token); routes name runs and images by number
// only, so nothing a request says becomes a path; the run folders are only read.
import { createReadStream, statSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Dataset, DatasetSpec } from '../data/datasets/types.js';
import { openDataset } from '../data/datasets/open.js';
import { decodeImage } from '../image/files.js';
import { loadPredictor, type Predictor } from '../infer/predictor.js';
import { predict } from '../infer/predict.js';
import { hasKernels } from '../inspect/filters.js';
import { listLayers } from '../inspect/layers.js';
import { summary as modelSummary } from '../models/summary.js';
import { allowedHosts, checkAccess, cookieName, newToken } from './access.js';
import { activationTiles, filterTiles } from './layer-view.js';
import { hasLatent2d, LatentSpace, parsePoint } from './latent-view.js';
import { SplitAnalysis, type SampleView } from './split-analysis.js';
import { openSource, readRecords, type Source } from './sources.js';
import { contentType, resolveInside } from './static.js';

/** Where `npm run build:web` puts the page. */
export const INSPECTOR_ASSETS = fileURLToPath(new URL('../../../assets/inspector/', import.meta.url));

export interface InspectorOptions {
  /** Run folders and checkpoint files, in the order the page lists them. */
  sources: readonly string[];
  /** The data to predict and score (default: each run's validation split from its config.json). */
  data?: DatasetSpec | null;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** The token (default: a fresh random one). */
  token?: string;
  /** Foreground threshold of binary models for the scores (default 0.5). */
  threshold?: number;
  /** How often metrics.jsonl is polled for new lines, ms (default 250). */
  pollMs?: number;
  /** Uploads larger than this are refused (default 64 MiB). */
  maxUploadBytes?: number;
}

export interface Inspector {
  /** The URL to open, token included. */
  url: string;
  host: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' });
  res.end(body);
}

/** A sample or prediction as one binary body: a JSON header line, then the arrays back to back. */
function sendArrays(res: ServerResponse, meta: Record<string, unknown>, arrays: readonly Uint8Array[]): void {
  const head = Buffer.from(JSON.stringify(meta) + '\n');
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/octet-stream' });
  res.end(Buffer.concat([head, ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]));
}

function index(text: string | undefined, what: string, below: number): number {
  if (text === undefined || !/^\d{1,9}$/.test(text)) throw new HttpError(400, `${what} ${JSON.stringify(text ?? '')} is not a number`);
  const i = Number(text);
  if (i >= below) throw new HttpError(404, `no ${what} ${i} (there are ${below})`);
  return i;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `upload larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** One source as the server holds it: the model and split analysis, loaded on first use. */
class SourceState {
  #predictor: Predictor | null = null;
  #analysis: Promise<SplitAnalysis> | null = null;
  #latent: Promise<LatentSpace> | null = null;
  constructor(
    readonly source: Source,
    readonly data: DatasetSpec | null,
    readonly threshold: number,
  ) {}

  predictor(): Predictor {
    if (!this.source.checkpoint) throw new HttpError(404, `${this.source.label} has no checkpoint yet`);
    this.#predictor ??= loadPredictor(this.source.checkpoint);
    return this.#predictor;
  }

  analysis(): Promise<SplitAnalysis> {
    this.#analysis ??= (async () => {
      const spec = this.data ?? this.source.validation;
      if (!spec) throw new HttpError(404, `${this.source.label}: no data to predict (give --data DIR --format F, or a run whose config.json names its validation split)`);
      const dataset: Dataset = await openDataset(spec);
      return new SplitAnalysis(this.predictor(), dataset, { threshold: this.threshold });
    })();
    this.#analysis.catch(() => (this.#analysis = null));
    return this.#analysis;
  }

  /** The autoencoder's latent space over the split (encoded once). */
  latent(): Promise<LatentSpace> {
    this.#latent ??= (async () => {
      const predictor = this.predictor();
      if (!hasLatent2d(predictor)) throw new HttpError(404, `${this.source.label} holds a ${predictor.architecture} model; the latent view needs the convolutional autoencoder (cae) with a 2-D latent space`);
      const spec = this.data ?? this.source.validation;
      if (!spec) throw new HttpError(404, `${this.source.label}: no data to encode (give --data DIR --format mnist --split test)`);
      return LatentSpace.open(predictor, await openDataset(spec));
    })();
    this.#latent.catch(() => (this.#latent = null));
    return this.#latent;
  }

  dispose(): void {
    this.#predictor?.dispose();
  }
}

/**
 * Starts the inspector; resolves once it listens.
 * @example
 *   const inspector = await startInspector({ sources: ['runs/demo'] });
 *   console.log(`open ${inspector.url}`);
 */
export async function startInspector(o: InspectorOptions): Promise<Inspector> {
  if (o.sources.length === 0) throw new Error('serve needs at least one run folder or checkpoint');
  const states = o.sources.map((path, id) => new SourceState(openSource(path, id), o.data ?? null, o.threshold ?? 0.5));
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port ${port}, expected an integer from 0 to 65535`);
  const token = o.token ?? newToken();
  const pollMs = o.pollMs ?? 250;
  const maxUpload = o.maxUploadBytes ?? 64 * 2 ** 20;
  let hosts: string[] | null = [];
  let bound = 0;
  const closers = new Set<() => void>();

  const state = (id: string | undefined): SourceState => states[index(id, 'run', states.length)]!;

  const routes: [string, RegExp, (m: string[], req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void][] = [
    ['GET', /^\/api\/info$/, (_m, _req, res) => sendJson(res, { sources: states.map((s) => info(s)), data: o.data ?? null })],
    ['GET', /^\/api\/runs\/([^/]*)\/metrics$/, (m, _req, res) => sendJson(res, readRecords(state(m[1]).source))],
    ['GET', /^\/api\/runs\/([^/]*)\/events$/, (m, req, res) => streamMetrics(state(m[1]).source, req, res)],
    ['GET', /^\/api\/runs\/([^/]*)\/samples$/, async (m, _req, res) => {
      const a = await state(m[1]).analysis();
      sendJson(res, { count: a.dataset.length, names: Array.from({ length: a.dataset.length }, (_, i) => a.dataset.name(i)), binary: a.binary, ignoreIndex: a.ignoreIndex, classes: a.dataset.classNames, hasLabels: a.dataset.hasLabels });
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/samples\/([^/]*)$/, async (m, _req, res) => {
      const a = await state(m[1]).analysis();
      const view = await a.view(index(m[2], 'image', a.dataset.length));
      const score = view.truth ? await a.score(view.index) : null;
      sendView(res, view, score?.meanIoU ?? null);
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/scores$/, async (m, _req, res, url) => {
      const a = await state(m[1]).analysis();
      if (!a.dataset.hasLabels) throw new HttpError(404, 'the data has no label maps to score against');
      if (url.searchParams.get('start') === '1') void a.scoreAll().catch(() => {});
      const p = a.progress();
      sendJson(res, { ...p, threshold: a.threshold, images: a.imageScores().map((s) => ({ index: s.index, name: s.name, meanIoU: s.meanIoU })) });
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/cell$/, async (m, _req, res, url) => {
      const a = await state(m[1]).analysis();
      const t = index(url.searchParams.get('truth') ?? undefined, 'class', a.numClasses);
      const p = index(url.searchParams.get('predicted') ?? undefined, 'class', a.numClasses);
      sendJson(res, a.cellImages(t, p));
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/layers$/, async (m, _req, res) => {
      const s = state(m[1]);
      const predictor = s.predictor();
      const a = s.data ?? s.source.validation ? await s.analysis() : null;
      const size = a ? await a.view(0) : null;
      const side = Math.max(predictor.contract.minInputSize ?? 0, predictor.contract.inputMultiple, 32);
      const shape = [1, predictor.contract.inChannels, size?.height ?? side, size?.width ?? side];
      const rows = modelSummary(predictor.model, shape).rows;
      const layers = listLayers(predictor.model).map((l) => ({ ...l, hasKernels: hasKernels(predictor.model, l.name) }));
      sendJson(res, { architecture: predictor.architecture, inputShape: shape, rows, layers });
    }],
    // Layer i of listLayers (the names `inspect --layer` takes): its kernels, and its output for image j.
    ['GET', /^\/api\/runs\/([^/]*)\/layers\/([^/]*)\/filters$/, (m, _req, res) => {
      const model = state(m[1]).predictor().model;
      const name = model.layerNames[index(m[2], 'layer', model.layerNames.length)]!;
      if (!hasKernels(model, name)) throw new HttpError(404, `layer ${m[2]} (${name}) has no convolution kernels`);
      const t = filterTiles(model, name);
      sendArrays(res, t.meta, [t.bytes]);
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/layers\/([^/]*)\/activations\/([^/]*)$/, async (m, _req, res) => {
      const s = state(m[1]);
      const predictor = s.predictor();
      const name = predictor.model.layerNames[index(m[2], 'layer', predictor.model.layerNames.length)]!;
      const a = await s.analysis();
      const input = await a.input(index(m[3], 'image', a.dataset.length));
      let t;
      try {
        t = activationTiles(predictor.model, input, name, { device: predictor.device });
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      sendArrays(res, t.meta, [t.bytes]);
    }],
    // The autoencoder: the codes of the split's images, image i's pixels, the decoder at ?z=z1,z2.
    ['GET', /^\/api\/runs\/([^/]*)\/latent$/, async (m, _req, res) => sendJson(res, (await state(m[1]).latent()).summary())],
    ['GET', /^\/api\/runs\/([^/]*)\/latent\/images\/([^/]*)$/, async (m, _req, res) => {
      const l = await state(m[1]).latent();
      const im = l.thumbnail(index(m[2], 'image', l.samples.length));
      sendArrays(res, { index: Number(m[2]), width: im.width, height: im.height, label: l.codes.labels[Number(m[2])] }, [im.data]);
    }],
    ['GET', /^\/api\/runs\/([^/]*)\/latent\/decode$/, async (m, _req, res, url) => {
      const l = await state(m[1]).latent();
      const z = parsePoint(url.searchParams.get('z'));
      if (!z) throw new HttpError(400, `z ${JSON.stringify(url.searchParams.get('z') ?? '')} is not a latent point; expected two numbers 'z1,z2'`);
      const im = l.decode(z);
      sendArrays(res, { z, width: im.width, height: im.height }, [im.data]);
    }],
    ['POST', /^\/api\/runs\/([^/]*)\/predict$/, async (m, req, res) => {
      const predictor = state(m[1]).predictor();
      const bytes = await readBody(req, maxUpload);
      let image;
      try {
        image = await decodeImage(bytes, { name: 'the uploaded file' });
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      const p = predict(predictor, image);
      const rgba = new Uint8Array(p.width * p.height * 4);
      const c = image.channels;
      for (let i = 0; i < p.width * p.height; i++) {
        for (let k = 0; k < 3; k++) rgba[i * 4 + k] = image.data[i * c + (c >= 3 ? k : 0)]!;
        rgba[i * 4 + 3] = 255;
      }
      sendArrays(res, { width: p.width, height: p.height, classesPresent: p.classesPresent }, [rgba, Uint8Array.from(p.labels)]);
    }],
  ];

  function info(s: SourceState) {
    const src = s.source;
    let classes: { names: string[]; palette: number[][] } | null = null;
    let model: string | null = null;
    let binary = false;
    let latent = false;
    if (src.checkpoint) {
      const p = s.predictor();
      classes = { names: p.classes.names, palette: p.classes.palette.map((c) => [...c]) };
      model = p.architecture;
      binary = p.model.numClasses === 1;
      latent = hasLatent2d(p);
    }
    return { id: src.id, label: src.label, isRun: src.runDir !== null, hasMetrics: src.metricsPath !== null, hasCheckpoint: src.checkpoint !== null, hasData: (s.data ?? src.validation) !== null, model, binary, latent, classes };
  }

  function sendView(res: ServerResponse, v: SampleView, meanIoU: number | null): void {
    const arrays = [v.rgba, v.prediction, ...(v.truth ? [v.truth] : []), ...(v.probability ? [v.probability] : [])];
    sendArrays(res, { index: v.index, name: v.name, width: v.width, height: v.height, hasTruth: v.truth !== null, hasProbability: v.probability !== null, meanIoU }, arrays);
  }

  // Server-sent events: every record already written, then each line as it is appended.
  function streamMetrics(source: Source, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    let sent = 0;
    const push = (): void => {
      let records;
      try {
        records = readRecords(source);
      } catch (err) {
        res.write(`event: problem\ndata: ${JSON.stringify((err as Error).message)}\n\n`);
        return;
      }
      if (records.length < sent) sent = 0; // the file was replaced (a new run with --overwrite)
      for (const r of records.slice(sent)) res.write(`event: record\ndata: ${JSON.stringify(r)}\n\n`);
      sent = records.length;
    };
    push();
    const path = source.metricsPath;
    const listener = (): void => push();
    if (path) watchFile(path, { interval: pollMs }, listener);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = (): void => {
      if (path) unwatchFile(path, listener);
      clearInterval(keepAlive);
      closers.delete(stop);
      res.end();
    };
    closers.add(stop);
    req.on('close', stop);
  }

  function serveAsset(pathname: string, res: ServerResponse): void {
    const file = resolveInside(INSPECTOR_ASSETS, pathname);
    if (file === null) throw new HttpError(404, 'not found');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentType(file), 'Content-Length': String(statSync(file).size) });
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const verdict = checkAccess(req, { token, port: bound, hosts });
    if (!verdict.ok) return sendText(res, verdict.status, verdict.reason);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://inspector');
    } catch {
      return sendText(res, 400, 'bad URL');
    }
    // The raw path: '..' or an encoded separator in it is refused before routing.
    const raw = (req.url ?? '/').split('?')[0]!;
    if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\/i.test(raw)) return sendText(res, 400, `path ${JSON.stringify(raw)} is not allowed`);
    if (verdict.viaQuery && req.method === 'GET' && url.pathname === '/') {
      // Remember the token for the page's other requests (see access.ts).
      res.setHeader('Set-Cookie', `${cookieName(bound)}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    try {
      for (const [method, pattern, run] of routes) {
        const m = pattern.exec(url.pathname);
        if (!m) continue;
        if (req.method !== method) throw new HttpError(405, `${req.method} not allowed here`);
        await run(m.map((s) => decodeURIComponent(s)), req, res, url);
        return;
      }
      if (url.pathname.startsWith('/api/')) throw new HttpError(404, `no route ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} not allowed`);
      serveAsset(url.pathname, res);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      const status = err instanceof HttpError ? err.status : err instanceof RangeError ? 404 : 500;
      sendText(res, status, (err as Error).message.split('\n')[0]!);
    }
  };

  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => ok());
  });
  bound = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, bound);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${bound}/?token=${token}`,
    host,
    port: bound,
    token,
    server,
    close: () =>
      new Promise<void>((ok) => {
        for (const stop of [...closers]) stop();
        server.closeAllConnections();
        server.close(() => {
          for (const s of states) s.dispose();
          ok();
        });
      }),
  };
}
