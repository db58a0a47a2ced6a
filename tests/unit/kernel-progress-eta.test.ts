// The kernel build's ETA: from the last full build of the flavour (its step
// count and compile/link times), corrected by this build's own rate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { estimateEta, formatProgress, historyMsAt, historyFile, ProgressCounter, readBuildHistory, writeBuildHistory, type BuildHistory } from '../../harness/kernel/progress.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const h: BuildHistory = { steps: 1000, compiled: 700, compileMs: 100_000, linkMs: 20_000 };

t.test('estimateEta', async (t) => {
  t.same(estimateEta({ phase: 'compile', steps: 10, full: true }, undefined, 5000, 0), {}, 'no history: no ETA');
  t.same(estimateEta({ phase: 'compile', steps: 10, full: false }, h, 5000, 0), {}, 'incremental compile: no ETA');
  t.same(estimateEta({ phase: 'config', steps: 0, full: true }, h, 0, 0), { fraction: 0, etaMs: 120_000 });
  // Early: mostly the history's remaining compile time.
  const early = estimateEta({ phase: 'compile', steps: 10, full: true }, h, 2000, 0);
  t.equal(early.fraction, 0.01);
  t.ok(early.etaMs! > 110_000 && early.etaMs! < 125_000, `early ETA ${early.etaMs}`);
  // Half done in 20 s (a warm ccache): this build's rate wins, plus the last link.
  t.same(estimateEta({ phase: 'compile', steps: 500, full: true }, h, 20_000, 0), { fraction: 0.5, etaMs: 40_000 });
  t.same(estimateEta({ phase: 'link', steps: 990, full: true }, h, 90_000, 5000), { fraction: 0.99, etaMs: 15_000 });
  t.same(estimateEta({ phase: 'link', steps: 30, full: false }, h, 9000, 25_000), { etaMs: 0 }, 'an incremental link is predicted too');
  t.same(estimateEta({ phase: 'done', steps: 1000, full: true }, h, 1, 1), { fraction: 1, etaMs: 0 });
});

t.test('a history curve: an uneven pace is predicted from the last build, scaled by this one', async (t) => {
  // The last build spent 80 % of its compile time on the first half of its steps.
  const curve = Array.from({ length: 21 }, (_, k) => (k <= 10 ? k * 8000 : 80_000 + (k - 10) * 2000));
  const hc: BuildHistory = { steps: 1000, compiled: 700, compileMs: 100_000, linkMs: 0, curve };
  t.equal(historyMsAt(hc, 0.5), 80_000);
  t.equal(historyMsAt(hc, 0.525), 81_000);
  t.equal(historyMsAt({ ...hc, curve: undefined }, 0.5), 50_000, 'linear without a curve');
  // Half the steps in 40 s: twice the last pace, and the rest is the quick part.
  t.same(estimateEta({ phase: 'compile', steps: 500, full: true }, hc, 40_000, 0), { fraction: 0.5, etaMs: 10_000 });
});

t.test('ProgressCounter: a full build with a history, then its own history', async (t) => {
  const c = new ProgressCounter(0, { full: true, history: h });
  c.setPhase('compile', 1000);
  for (let i = 0; i < 250; i++) c.line(`  CC      f${i}.o`, 1000 + i * 40);
  const p = c.snapshot(11_000);
  t.equal(p.fraction, 0.25);
  t.equal(p.full, true);
  t.ok(p.etaMs! > 20_000 + 20_000 && p.etaMs! < 100_000, `ETA ${p.etaMs}`);
  t.match(formatProgress(p), /^kernel: 0m11s compile 25%: 250 compiled, CC f249\.o, ETA \dm\d\ds$/);
  c.line('  LD      vmlinux.o', 50_000);
  t.equal(c.snapshot(60_000).phase, 'link');
  t.equal(c.snapshot(60_000).etaMs, 10_000);
  t.equal(c.toHistory(), undefined, 'not finished: no history');
  c.setPhase('done', 75_000);
  const own = c.toHistory()!;
  t.same({ ...own, curve: undefined }, { steps: 251, compiled: 250, compileMs: 49_000, linkMs: 25_000, curve: undefined });
  t.equal(own.curve!.length, 21);
  t.same([own.curve![0], own.curve![10], own.curve![20]], [0, 5000, 49_000], 'compile ms at 0, 50 and 100 % of the steps');
  t.equal(formatProgress(c.snapshot(75_000)), 'kernel: 1m15s done: 250 compiled, LD vmlinux.o');
  const inc = new ProgressCounter(0, { full: false, history: h });
  inc.setPhase('compile', 0);
  inc.line('  CC      fs/locks.o', 10);
  inc.setPhase('done', 100);
  t.equal(inc.toHistory(), undefined, 'an incremental build predicts nothing');
});

t.test('history file', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vfslab-eta-'));
  const f = historyFile(path.join(dir, 'built'), 'debug');
  t.equal(path.basename(f), 'kernel-progress-debug.json');
  t.equal(await readBuildHistory(f), undefined, 'none yet');
  await writeBuildHistory(f, h);
  t.same(await readBuildHistory(f), h);
  writeFileSync(f, '{ not json');
  t.equal(await readBuildHistory(f), undefined, 'a broken file means no ETA, not a failed build');
});
