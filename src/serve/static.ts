// A folder served on loopback the way a page running onnxruntime-web needs it: .wasm as
// application/wasm (so it compiles while streaming), .mjs/.js as text/javascript (module
// scripts and workers refuse other types), and cross-origin isolation (COOP same-origin, COEP
// require-corp), which SharedArrayBuffer and so wasm threads require. 127.0.0.1 only; a
// request for anything outside the folder, or with a Host other than the address it bound
// (DNS rebinding), gets an error status and nothing of the disk.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
});

/** The Content-Type a file is served with (application/octet-stream for unknown extensions). */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers every response carries: cross-origin isolation for wasm threads, no sniffing, no caching. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
});

export interface StaticServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
}

/** The file a URL path names inside root, or null when it names nothing there (or leaves root). */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split('/').includes('..')) return null;
  const base = resolve(root);
  let path = resolve(join(base, decoded));
  if (path !== base && !path.startsWith(base + sep)) return null;
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
  return existsSync(path) && statSync(path).isFile() ? path : null;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/**
 * Serves `root` on 127.0.0.1 (see the header comment for the headers) until close().
 * @example
 *   const s = await serveStatic('web-demo');
 *   console.log(`open ${s.url}`);
 */
export async function serveStatic(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`cannot serve ${root}: no such folder`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port ${port}, expected an integer from 0 to 65535`);
  let hosts: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hosts.includes(req.headers.host ?? '')) return send(res, 421, `host ${JSON.stringify(req.headers.host ?? '')} is not this server (expected ${hosts.join(' or ')})`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, `${req.method} not allowed`);
    const path = resolveInside(root, req.url ?? '/');
    if (path === null) return send(res, 404, 'not found');
    const size = statSync(path).size;
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': contentType(path), 'Content-Length': String(size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(path).on('error', () => res.destroy()).pipe(res);
  };
  const server = createServer(handler);
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(new Error(`cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`)));
    server.listen(port, '127.0.0.1', () => ok());
  });
  const bound = (server.address() as AddressInfo).port;
  hosts = [`127.0.0.1:${bound}`, `localhost:${bound}`];
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
