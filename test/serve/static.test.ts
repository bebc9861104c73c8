// The loopback static server of the web export: content types onnxruntime-web needs, the
// cross-origin-isolation headers, and nothing outside the folder or for a foreign Host.
import test from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentType, resolveInside, serveStatic } from '../../src/serve/static.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { host?: string; method?: string } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('serveStatic: types for wasm and modules, COOP/COEP on every response, 127.0.0.1 only, nothing outside the folder', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pixelwise-static-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const site = join(root, 'site');
  mkdirSync(join(site, 'sub'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<p>hi</p>');
  writeFileSync(join(site, 'ort.wasm.min.mjs'), 'export {}');
  writeFileSync(join(site, 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(site, 'sub', 'index.html'), 'sub');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  const server = await serveStatic(site);
  t.after(() => server.close());
  assert.equal((server.server.address() as { address: string }).address, '127.0.0.1');
  assert.equal(server.url, `http://127.0.0.1:${server.port}/`);

  const index = await get(server.port, '/');
  assert.equal(index.status, 200);
  assert.equal(index.body, '<p>hi</p>');
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(index.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal((await get(server.port, '/ort.wasm.min.mjs')).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await get(server.port, '/x.wasm')).headers['content-type'], 'application/wasm');
  assert.equal((await get(server.port, '/sub/')).body, 'sub');
  assert.equal((await get(server.port, '/index.html?v=1')).status, 200);
  const localhost = await get(server.port, '/', { host: `localhost:${server.port}` });
  assert.equal(localhost.status, 200);

  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/../../secret.txt', '/%2E%2E%2Fsecret.txt', '/missing.js', '/%zz', '/\0']) {
    const r = await get(server.port, path).catch(() => ({ status: 400, headers: {}, body: '' }));
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.ok(!r.body.includes('secret'), path);
  }
  const foreign = await get(server.port, '/', { host: 'evil.example:80' });
  assert.equal(foreign.status, 421, 'a foreign Host header (DNS rebinding) is refused');
  assert.equal(foreign.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal((await get(server.port, '/', { method: 'POST' })).status, 405);
  assert.equal((await get(server.port, '/x.wasm', { method: 'HEAD' })).headers['content-length'], '4');

  assert.equal(contentType('a.onnx'), 'application/octet-stream');
  assert.equal(resolveInside(site, '/../secret.txt'), null);
  await assert.rejects(serveStatic(join(root, 'nope')), /cannot serve .*nope: no such folder/);
  await assert.rejects(serveStatic(site, { port: server.port }), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${server.port}: EADDRINUSE`));
});
