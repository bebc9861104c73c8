import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlLog, readJsonl, toJsonLine } from '../../src/train/jsonl-log.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-jsonl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('appends one line per record; NaN and Infinity become null', (t) => {
  const path = join(tempDir(t), 'run', 'metrics.jsonl');
  const log = new JsonlLog(path);
  log.append({ epoch: 1, loss: 0.5, meanIoU: NaN });
  log.append({ epoch: 2, loss: Infinity, perClassIoU: { bg: 0.9, cat: -Infinity }, step: 12n });
  log.close();
  assert.equal(
    readFileSync(path, 'utf8'),
    '{"epoch":1,"loss":0.5,"meanIoU":null}\n{"epoch":2,"loss":null,"perClassIoU":{"bg":0.9,"cat":null},"step":12}\n',
  );
  const back = readJsonl(path);
  assert.equal(back.truncated, null);
  assert.deepEqual(back.records, [
    { epoch: 1, loss: 0.5, meanIoU: null },
    { epoch: 2, loss: null, perClassIoU: { bg: 0.9, cat: null }, step: 12 },
  ]);
  assert.throws(() => log.append({ epoch: 3 }), /is closed/);
});

test('reopening appends after the existing records', (t) => {
  const path = join(tempDir(t), 'metrics.jsonl');
  using a = new JsonlLog(path);
  a.append({ n: 1 });
  a.close();
  using b = new JsonlLog(path, { fsync: false });
  b.append({ n: 2 });
  assert.equal(b.repairedBytes, 0);
  assert.deepEqual(readJsonl(path).records, [{ n: 1 }, { n: 2 }]);
});

test('a line cut short by a crash is reported by readJsonl and cut off when the log reopens', (t) => {
  const path = join(tempDir(t), 'metrics.jsonl');
  writeFileSync(path, '{"epoch":1}\n{"epoch":2}\n{"epoch":3,"lo');
  const read = readJsonl(path);
  assert.deepEqual(read.records, [{ epoch: 1 }, { epoch: 2 }]);
  assert.deepEqual(read.truncated, { line: 3, text: '{"epoch":3,"lo' });

  const log = new JsonlLog(path);
  assert.equal(log.repairedBytes, '{"epoch":3,"lo'.length);
  log.append({ epoch: 3, loss: 0.1 });
  log.close();
  assert.equal(readFileSync(path, 'utf8'), '{"epoch":1}\n{"epoch":2}\n{"epoch":3,"loss":0.1}\n');
});

test('a file holding only a partial line reopens empty', (t) => {
  const path = join(tempDir(t), 'metrics.jsonl');
  writeFileSync(path, '{"ep');
  const log = new JsonlLog(path);
  assert.equal(log.repairedBytes, 4);
  log.close();
  assert.equal(readFileSync(path, 'utf8'), '');
});

test('a bad line before the end is an error naming the line; a complete unterminated line is kept', (t) => {
  const path = join(tempDir(t), 'metrics.jsonl');
  writeFileSync(path, '{"a":1}\n{"a":\n{"a":3}\n');
  assert.throws(() => readJsonl(path), /metrics\.jsonl:2 is not a JSON object: \{"a":$/);
  writeFileSync(path, '{"a":1}\n\n{"a":2}');
  assert.deepEqual(readJsonl(path), { records: [{ a: 1 }, { a: 2 }], truncated: null });
  appendFileSync(path, '\n[1,2]\n');
  assert.throws(() => readJsonl(path), /:4 is not a JSON object/);
});

test('records must be plain objects', () => {
  assert.throws(() => toJsonLine([1, 2]), /plain object, got an array/);
  assert.throws(() => toJsonLine(null as never), /plain object, got null/);
  assert.equal(toJsonLine({ s: 'a\nb' }), '{"s":"a\\nb"}', 'newlines inside strings stay escaped');
});
