import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliAll } from './helpers.js';

test('pixelwise --help and every listed command --help exit 0 with a usage line', async () => {
  const overview = await cli(['--help']);
  assert.equal(overview.code, 0);
  const names = [...overview.stdout.matchAll(/^ {2}(\S+) {2,}\S/gm)].map((m) => m[1]!);
  for (const expected of ['train', 'eval', 'data', 'summary', 'models']) assert.ok(names.includes(expected), `${expected} listed`);
  const runs = await cliAll([...names.map((name) => [name, '--help']), ['data', 'check', '--help']]);
  names.forEach((name, i) => {
    const r = runs[i]!;
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: pixelwise ${name}`));
    assert.equal(r.stderr, '', `${name} --help writes nothing to stderr`);
  });
  const check = runs.at(-1)!;
  assert.equal(check.code, 0);
  assert.match(check.stdout, /usage: pixelwise data check DIR/);
});

test('no command or an unknown one: the overview or a one-line error, exit 2', async () => {
  const [none, unknown] = await cliAll([[], ['no-such-command']]);
  assert.equal(none.code, 2);
  assert.match(none.stdout, /usage: pixelwise <command>/);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^pixelwise: unknown command 'no-such-command'\. Commands: .*\btrain\b.*\n$/);
});
