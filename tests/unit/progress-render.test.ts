// Progress on stderr in both modes: live (a terminal) rewrites one status
// line in place; plain (a pipe or CI=true) writes whole lines only and never a
// control code. Rendered into a fake sink: no terminal needed.
import t from 'tap';
import { isLive, StatusLine, type Sink } from '../../src/cli/status-line.js';
import { bootStatus, bootSummary, stageLabel, tickStatus } from '../../src/cli/progress-render.js';
import { bootStages, buildRenderer, progress, ticker } from '../../src/cli/progress.js';
import type { BuildProgress } from '../../harness/kernel/progress.js';

function sink(columns = 80): Sink & { out: string } {
  const s = { out: '', isTTY: true, columns, write: (x: string) => (s.out += x) };
  return s;
}
const CONTROL = /[\r\x1b]/;
const stages = [
  { name: 'first-byte', ms: 310 },
  { name: 'run-init', ms: 1900 },
  { name: 'stage:sshd', ms: 3100 },
  { name: 'stage:mounted', ms: 4000 },
  { name: 'ready', ms: 4200 },
  { name: 'ssh-ready', ms: 5990 },
];

t.test('live or plain', async (t) => {
  t.ok(isLive({ isTTY: true }, {}));
  t.notOk(isLive({ isTTY: true }, { CI: 'true' }), 'CI=true is plain');
  t.notOk(isLive({ isTTY: true }, { CI: '1' }));
  t.ok(isLive({ isTTY: true }, { CI: 'false' }));
  t.notOk(isLive({ isTTY: false }, {}), 'a pipe is plain');
  t.notOk(isLive({}, {}));
  t.notOk(isLive({ isTTY: true }, { TERM: 'dumb' }));
});

t.test('boot stage text', async (t) => {
  t.equal(stageLabel('first-byte'), 'kernel');
  t.equal(stageLabel('run-init'), '/init');
  t.equal(stageLabel('stage:pmem-modules'), 'pmem-modules');
  t.equal(stageLabel('ssh-ready'), 'ssh');
  t.equal(bootStatus(undefined, 400), 'boot: 0.4 s, starting QEMU');
  t.equal(bootStatus({ name: 'stage:mkfs', ms: 2000 }, 2500), 'boot: 2.5 s, mkfs');
  t.equal(
    bootSummary(stages),
    'boot: stages (s since QEMU start): kernel 0.31, /init 1.90, sshd 3.10, mounted 4.00, ready 4.20, ssh 5.99',
  );
  t.equal(tickStatus({ done: 3, total: 10, failed: 0, elapsedMs: 1234, label: 'a.scenario' }), '[3/10, 1.2s] a.scenario');
  t.equal(tickStatus({ done: 4, total: 10, failed: 2, elapsedMs: 2000, label: 'b' }), '[4/10, 2 failing, 2.0s] b');
});

t.test('live status line: rewritten in place, redrawn under permanent lines, cut to the width', async (t) => {
  const s = sink(30);
  const st = new StatusLine(s, true);
  st.set('boot: 1.0 s, kernel');
  t.equal(s.out, '\r\x1b[Kboot: 1.0 s, kernel');
  st.line('[  1.0s] setup: nothing to do');
  t.equal(s.out, '\r\x1b[Kboot: 1.0 s, kernel\r\x1b[K[  1.0s] setup: nothing to do\nboot: 1.0 s, kernel');
  s.out = '';
  st.set('a very long status line that does not fit in thirty columns');
  t.equal(s.out, '\r\x1b[Ka very long status line that ');
  s.out = '';
  st.clear();
  st.clear();
  t.equal(s.out, '\r\x1b[K', 'cleared once');
  st.line('x');
  t.equal(s.out, '\r\x1b[Kx\n', 'nothing to redraw after clear');
});

t.test('plain mode: whole lines, no control codes, status dropped', async (t) => {
  const s = sink();
  const st = new StatusLine(s, false);
  st.set('transient');
  st.line('permanent');
  st.clear();
  t.equal(s.out, 'permanent\n');

  let now = 1000;
  const log = progress(st, () => now);
  now = 3500;
  log('run: hello');
  const tk = ticker(3, st, () => now);
  tk.tick('a', false);
  tk.tick('b', true);
  tk.end();
  const boot = bootStages(log, st);
  for (const g of stages) boot.onStage(g);
  boot.end();
  const b = buildRenderer(log, st, 15_000);
  const p = (elapsedMs: number, phase: BuildProgress['phase'] = 'compile'): BuildProgress => ({ phase, compiled: 10, steps: 20, last: 'CC fs/locks.o', elapsedMs, fraction: 0.5, etaMs: 60_000, full: true });
  for (const ms of [1000, 5000, 16_000, 20_000, 31_000]) b.update(p(ms));
  b.update(p(32_000, 'done'));
  t.notMatch(s.out, CONTROL, 'no \\r or escape anywhere');
  const lines = s.out.trimEnd().split('\n');
  t.same(lines, [
    'permanent',
    '[  2.5s] run: hello',
    '[  2.5s] boot: stages (s since QEMU start): kernel 0.31, /init 1.90, sshd 3.10, mounted 4.00, ready 4.20, ssh 5.99',
    '[  2.5s] kernel: 0m01s compile 50%: 10 compiled, CC fs/locks.o, ETA 1m00s',
    '[  2.5s] kernel: 0m16s compile 50%: 10 compiled, CC fs/locks.o, ETA 1m00s',
    '[  2.5s] kernel: 0m31s compile 50%: 10 compiled, CC fs/locks.o, ETA 1m00s',
    '[  2.5s] kernel: 0m32s done: 10 compiled, CC fs/locks.o',
  ]);
});

t.test('live mode: ticks, boot stages and the build show on the status line only', async (t) => {
  const s = sink(200);
  const st = new StatusLine(s, true);
  const logged: string[] = [];
  const tk = ticker(2, st, () => 0);
  tk.tick('a.scenario', false);
  t.equal(s.out, '\r\x1b[K[1/2, 0.0s] a.scenario');
  tk.clear();
  s.out = '';
  const boot = bootStages((l) => logged.push(l), st);
  boot.onSpawn();
  t.equal(s.out, '\r\x1b[Kboot: 0.0 s, starting QEMU', 'shown as soon as QEMU runs');
  s.out = '';
  boot.onStage({ name: 'first-byte', ms: 300 });
  t.match(s.out, /^\r\x1b\[Kboot: 0\.\d s, kernel$/);
  for (const g of stages.slice(1)) boot.onStage(g);
  t.equal(logged.length, 1, 'one summary line once SSH answers');
  t.match(s.out, /\r\x1b\[K$/, 'the boot line is erased at the end');
  s.out = '';
  const b = buildRenderer((l) => logged.push(l), st);
  b.update({ phase: 'compile', compiled: 5, steps: 9, last: 'CC a.o', elapsedMs: 65_000, etaMs: 125_000, fraction: 0.25, full: true });
  t.equal(s.out, '\r\x1b[Kkernel: 1m05s compile 25%: 5 compiled, CC a.o, ETA 2m05s');
  b.end();
  t.equal(logged.length, 1, 'build progress is not logged in live mode');
});
