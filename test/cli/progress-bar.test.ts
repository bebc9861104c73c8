import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatMetric, Progress, progressBars } from '../../src/cli/progress-bar.js';
import { ProgressReporter } from '../../src/io/progress.js';

/** A stream that records writes, and a clock the test moves by hand. */
function setup(tty: boolean, columns?: number) {
  const writes: string[] = [];
  const stream = { isTTY: tty, columns, write: (s: string) => writes.push(s) };
  let t = 1000;
  return { writes, stream, now: () => t, advance: (ms: number) => (t += ms) };
}

test('a TTY redraws in place with count, percent, bar, elapsed<ETA, rate and metrics', () => {
  const { writes, stream, now, advance } = setup(true);
  const p = new Progress({ total: 100, label: 'train', unit: 'img', stream, now });
  advance(5000);
  p.tick(25, { loss: 0.41234, lr: 1e-4 });
  assert.equal(writes.length, 1);
  assert.equal(writes[0], '\rtrain   25/100   25%  [#####...............]  00:05<00:15  5.00 img/s  loss 0.4123  lr 1.00e-4\x1b[K');
});

test('TTY redraws are throttled to ~10 Hz, but the last item always draws', () => {
  const { writes, stream, now, advance } = setup(true);
  const p = new Progress({ total: 10, stream, now });
  advance(1000);
  p.tick(); // first draw
  for (let i = 0; i < 5; i++) {
    advance(10);
    p.tick(1, { loss: i });
  }
  assert.equal(writes.length, 1, '50 ms of ticks: no redraw');
  advance(100);
  p.tick(1);
  assert.equal(writes.length, 2);
  assert.match(writes[1]!, /7\/10.*loss 4/, 'metrics kept until replaced');
  advance(1);
  p.tick(3);
  assert.equal(writes.length, 3, 'reaching the total draws at once');
  p.done();
  assert.equal(writes.at(-1), '\n');
  assert.match(writes.at(-2)!, /10\/10  100%  \[#+\]  00:01<00:00/);
  assert.throws(() => p.tick(), /tick\(\) after done\(\)/);
});

test('without a TTY (a pipe, a log file) it prints one plain line per task, when it ends', () => {
  const { writes, stream, now, advance } = setup(false);
  const p = new Progress({ total: 50, label: 'eval', stream, now });
  for (let i = 0; i < 50; i++) {
    advance(200);
    p.tick(1, { miou: i / 100 });
  }
  assert.equal(writes.length, 0, 'nothing per update');
  p.done();
  assert.deepEqual(writes, ['eval  50/50  100%  00:10<00:00  5.00 it/s  miou 0.49\n'], 'the last line once, no carriage returns');
});

test('without a TTY, plainEveryPercent adds a line per step; the final line still comes once', () => {
  const { writes, stream, now, advance } = setup(false);
  const p = new Progress({ total: 50, label: 'eval', stream, now, plainEveryPercent: 10 });
  for (let i = 0; i < 50; i++) {
    advance(200);
    p.tick(1, { miou: i / 100 });
  }
  assert.equal(writes.length, 9);
  assert.equal(writes[0], 'eval   5/50   10%  00:01<00:09  5.00 it/s  miou 0.04\n');
  p.done({ miou: 0.5 });
  assert.equal(writes.length, 10);
  assert.match(writes[9]!, /^eval  50\/50  100%  00:10<00:00  5\.00 it\/s  miou 0\.5\n$/);
  assert.ok(writes.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('[#')));
});

test('done() without a TTY prints the final state', () => {
  const { writes, stream, now, advance } = setup(false);
  const p = new Progress({ total: 100, stream, now, plainEveryPercent: 50 });
  advance(4000);
  p.tick(30);
  assert.equal(writes.length, 0);
  p.done({ loss: 0.5 });
  assert.equal(writes.length, 1);
  assert.match(writes[0]!, /30\/100   30%  00:04<00:09  7\.50 it\/s  loss 0\.5\n$/);
});

test('no rate or ETA from the first fraction of a second (a check once started at 60,046 img/s)', () => {
  const { writes, stream, now, advance } = setup(true);
  const p = new Progress({ total: 1000, stream, now, unit: 'img' });
  advance(0.07);
  p.tick(4);
  assert.match(writes[0]!, /4\/1000 .* 00:00<--:--  - img\/s/);
  advance(1000);
  p.tick(100);
  assert.match(writes[1]!, /104\/1000 .* 103\.99 img\/s/);
});

test('slow steps show seconds per item; long runs show hours; wide lines are cut to the terminal', () => {
  const { writes, stream, now, advance } = setup(true, 40);
  const p = new Progress({ total: 10, stream, now, unit: 'img', label: 'x'.repeat(10) });
  advance(2 * 3600 * 1000);
  p.tick(2, { loss: 1 });
  const shown = writes[0]!.replace('\r', '').replace('\x1b[K', '');
  assert.equal(shown.length, 39);
  assert.ok(p.line().includes('2:00:00<8:00:00  3600.00 s/img'), p.line());
});

test('formatting helpers', () => {
  assert.equal(formatDuration(59.6), '01:00');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
  assert.equal(formatMetric(0.123456), '0.1235');
  assert.equal(formatMetric(3), '3');
  assert.equal(formatMetric(12345.6), '12350');
  assert.equal(formatMetric(0.25), '0.25');
  assert.equal(formatMetric(2.5e-5), '2.50e-5');
  assert.equal(formatMetric(NaN), 'nan');
  assert.equal(formatMetric('warmup'), 'warmup');
  assert.throws(() => new Progress({ total: -1, stream: { write: () => 0 } }), /total must be a non-negative number, got -1/);
  assert.throws(() => new Progress({ total: 1, stream: { write: () => 0 } }).tick(-2), /n must be a non-negative number, got -2/);
});

test('progressBars draws one bar per task from the library\'s progress events', () => {
  const { writes, stream, now, advance } = setup(false);
  const onProgress = progressBars({ stream, now });
  const epoch = new ProgressReporter(onProgress, 'epoch 1/2', 4);
  advance(2000);
  epoch.advance(2, { loss: 0.5 });
  epoch.advance(2, { loss: 0.25, lr: 0.01 });
  epoch.finish({ loss: 0.25 });
  const check = new ProgressReporter(onProgress, 'check train', 1);
  check.advance(1);
  check.finish();
  check.finish(); // a second finish reports nothing
  // To a pipe: one line per task, at its end.
  assert.deepEqual(writes, [
    'epoch 1/2  4/4  100%  00:02<00:00  2.00 img/s  loss 0.25  lr 0.01\n',
    'check train  1/1  100%  00:00<00:00  - img/s\n',
  ]);
});
