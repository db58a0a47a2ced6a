// bisect-step, bisect-series and git bisect driving on a fake kernel tree
// with fake builds and fake runs (no VM, no compiler): identical kernels are
// neither rebuilt nor booted, errors map to git bisect's codes, and the tree
// is left as it was found.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stepCore, stepErrorExit, bisectStepCommand, type StepDeps } from '../../src/cli/bisect-step.js';
import { seriesCore, formatSeriesReport, type SeriesDeps } from '../../src/cli/bisect-series.js';
import type { Oracle, RunOnce } from '../../src/cli/bisect-common.js';
import { makeRule, type RunSummary } from '../../harness/bisect/verdict.js';
import { buildInputsChanged, parseCmdDeps, readBuildDeps } from '../../harness/bisect/identical.js';
import { parseFirstBad, runGitBisect, checkTree } from '../../harness/bisect/git.js';
import { KernelBuildError } from '../../harness/kernel/build.js';
import { loadSeries } from '../../harness/kernel/series.js';
import { BootError, InputError } from '../../harness/errors.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quiet = (): void => {};
const git = (tree: string, ...args: string[]): string =>
  execFileSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();

/** A tiny "kernel tree": a git repo whose fs/locks.c says EAGAIN (good) or EBUSY (bad). */
function fakeTree(): { tree: string; commits: string[] } {
  const tree = mkdtempSync(path.join(os.tmpdir(), 'vfslab-bisect-tree-'));
  git(tree, 'init', '-q', '-b', 'main');
  const commit = (msg: string, files: Record<string, string>): string => {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      writeFileSync(path.join(tree, f), text);
    }
    git(tree, 'add', '-A');
    git(tree, 'commit', '-q', '-m', msg);
    return git(tree, 'rev-parse', 'HEAD');
  };
  const commits = [
    commit('base', { Makefile: 'all:\n', Kconfig: '', 'fs/locks.c': 'return -EAGAIN;\n', 'Documentation/locks.rst': 'v1\n' }),
    commit('docs 1', { 'Documentation/locks.rst': 'v2\n' }),
    commit('locks: EBUSY', { 'fs/locks.c': 'return -EBUSY;\n' }),
    commit('docs 2', { 'Documentation/locks.rst': 'v3\n' }),
    commit('locks: comment', { 'fs/locks.c': 'return -EBUSY; /* x */\n' }),
  ];
  return { tree, commits };
}

/** A build that records what it read the way kbuild does (a .cmd file) and whose bzImage is fs/locks.c. */
function fakeBuild(work: string): { deps: StepDeps['build']; count: () => number } {
  let n = 0;
  const build: StepDeps['build'] = async (tree) => {
    n++;
    const objDir = path.join(work, 'obj');
    mkdirSync(path.join(objDir, 'fs'), { recursive: true });
    writeFileSync(path.join(objDir, 'fs/.locks.o.cmd'), `cmd_fs/locks.o := gcc\n\nsource_fs/locks.o := ${tree}/fs/locks.c\n\ndeps_fs/locks.o := \\\n    $(wildcard include/config/X) \\\n  ${tree}/Makefile \\\n\nfs/locks.o: $(deps_fs/locks.o)\n`);
    const bzImage = path.join(work, `bzImage-${n}`);
    writeFileSync(bzImage, readFileSync(path.join(tree, 'fs/locks.c')));
    return { bzImage, key: `key${n}`, reused: false, srcDir: tree, objDir };
  };
  return { deps: build, count: () => n };
}

function fakeRuns(pattern: RegExp, results: ('pass' | 'fail' | 'boot')[] = []): { run: RunOnce; count: () => number } {
  let n = 0;
  const run: RunOnce = async (bzImage) => {
    const scripted = results[n++];
    const s: RunSummary = { oopses: [], passed: 0, diverged: 0, infra: 0, notApplicable: 0 };
    if (scripted === 'boot') return { ...s, bootFailure: 'no VFSLAB-READY' };
    const bad = scripted ? scripted === 'fail' : pattern.test(readFileSync(bzImage, 'utf8'));
    return bad ? { ...s, diverged: 1 } : { ...s, passed: 1 };
  };
  return { run, count: () => n };
}

const oracle = (runs = 1): Oracle => ({ predicate: 'verdict', rule: makeRule(runs), fingerprint: 'fp', flavour: 'default', profile: { name: 'stock', version: '6.1', features: {} } }) as unknown as Oracle;

t.test('kbuild .cmd files: source and deps, relative or absolute, generated files dropped', async (t) => {
  const cmd = 'cmd_fs/locks.o := ccache gcc\n\nsource_fs/locks.o := ../src/fs/locks.c\n\ndeps_fs/locks.o := \\\n    $(wildcard include/config/SYSCTL) \\\n  ../src/include/linux/kconfig.h \\\n  include/generated/autoconf.h \\\n  /s/src/include/linux/fs.h \\\n\nfs/locks.o: $(deps_fs/locks.o)\n';
  t.same(parseCmdDeps(cmd, '/s/obj', '/s/src'), ['fs/locks.c', 'include/linux/kconfig.h', 'include/linux/fs.h']);
  const deps = new Set(['fs/locks.c']);
  t.same(buildInputsChanged(['Documentation/x.rst', 'fs/btrfs/ctree.c'], deps), { changed: false, inputs: [] });
  t.equal(buildInputsChanged(['fs/locks.c'], deps).changed, true);
  t.equal(buildInputsChanged(['fs/btrfs/Makefile'], deps).changed, true, 'the build system always counts');
  t.equal(buildInputsChanged(['fs/Kconfig'], deps).changed, true);
  t.equal(buildInputsChanged(['scripts/mod/modpost.c'], deps).changed, true);
});

t.test('bisect-step on a fake tree: identical kernels are neither rebuilt nor booted', async (t) => {
  const { tree, commits } = fakeTree();
  const work = mkdtempSync(path.join(os.tmpdir(), 'vfslab-bisect-work-'));
  const state = path.join(work, 'state.json');
  const b = fakeBuild(work);
  const r = fakeRuns(/EBUSY/);
  const deps = { build: b.deps, runOnce: r.run };
  // Verdicts are reused within one git bisect session (BISECT_START) only.
  git(tree, 'bisect', 'start');
  const at = async (c: string) => {
    git(tree, 'checkout', '-q', '--detach', c);
    return stepCore(tree, oracle(), state, deps, quiet);
  };
  const s0 = await at(commits[0]!);
  t.same([s0.decision.outcome, s0.kernel], ['good', 'built']);
  t.ok((await readBuildDeps(path.join(work, 'obj'), tree)).has('fs/locks.c'));
  const s1 = await at(commits[1]!);
  t.same([s1.decision.outcome, s1.kernel], ['good', 'identical'], 'a docs-only commit is the same kernel');
  t.equal(s1.reusedFrom, commits[0], 'its verdict is reused');
  t.same([b.count(), r.count()], [1, 1], 'no build, no boot');
  const s2 = await at(commits[2]!);
  t.same([s2.decision.outcome, s2.kernel], ['bad', 'built']);
  const s3 = await at(commits[3]!);
  t.same([s3.decision.outcome, s3.kernel], ['bad', 'identical']);
  const s4 = await at(commits[4]!);
  t.same([s4.decision.outcome, s4.kernel], ['bad', 'built'], 'a change to a file the build read is rebuilt');
  t.same([b.count(), r.count()], [3, 3]);
  // Back at a judged commit whose build inputs differ from the last build: rebuilt, but the same bzImage is not booted again.
  const s5 = await at(commits[0]!);
  t.same([s5.decision.outcome, s5.kernel, b.count(), r.count()], ['good', 'built', 4, 3]);
  // A dirty tree is never taken for the last build.
  writeFileSync(path.join(tree, 'Documentation/locks.rst'), 'dirty\n');
  const s6 = await stepCore(tree, oracle(), state, deps, quiet);
  t.equal(s6.kernel, 'built');
  git(tree, 'checkout', '-q', '--', '.');
  git(tree, 'bisect', 'reset');
  // Outside a bisect session a verdict is not reused (the model may have changed since).
  const runsBefore = r.count();
  await at(commits[0]!);
  t.equal(r.count(), runsBefore + 1, 'booted again outside a session');
});

t.test('bisect-step: flaky runs decided by the rule', async (t) => {
  const { tree } = fakeTree();
  const work = mkdtempSync(path.join(os.tmpdir(), 'vfslab-bisect-work-'));
  const b = fakeBuild(work);
  const flaky = fakeRuns(/never/, ['pass', 'fail', 'boot', 'fail', 'pass']);
  const r = await stepCore(tree, oracle(5), path.join(work, 's.json'), { build: b.deps, runOnce: flaky.run }, quiet);
  t.equal(r.decision.outcome, 'bad');
  t.same(r.decision.counts, { runs: 4, pass: 1, fail: 2, invalid: 1 }, 'stops at the second failure');
  const work2 = mkdtempSync(path.join(os.tmpdir(), 'vfslab-bisect-work-'));
  const once = fakeRuns(/never/, ['pass', 'fail', 'pass']);
  const r2 = await stepCore(tree, oracle(3), path.join(work2, 's.json'), { build: fakeBuild(work2).deps, runOnce: once.run }, quiet);
  t.equal(r2.decision.outcome, 'skip', 'one failure of three: cannot decide (125)');
  t.match(r2.decision.line, /1 failing, 2 passing/);
});

t.test('bisect-step errors map to git bisect codes', async (t) => {
  const err = console.error;
  console.error = quiet;
  t.teardown(() => {
    console.error = err;
  });
  t.equal(stepErrorExit(new KernelBuildError('make failed', '/x/build.log', [])), 125, 'build failure: cannot test');
  t.equal(stepErrorExit(new BootError('no VFSLAB-READY', '')), 125, 'boot failure: cannot test');
  t.equal(stepErrorExit(new InputError('--runs', 'bad')), 128, 'bad input aborts git bisect');
  t.equal(stepErrorExit(new TypeError('oops')), 129, 'a vfslab bug aborts git bisect');
  t.equal(await bisectStepCommand(['/nonexistent/x.scenario']), 128, 'a missing scenario file');
  t.equal(await bisectStepCommand(['--bogus', 'x.scenario']), 128, 'an unknown flag');
  t.equal(await bisectStepCommand(['--runs', '0', path.join(root, 'tests/fixtures/bisect/rdlck-wronly.scenario')]), 128);
  t.equal(await bisectStepCommand(['--predicate', 'oops', '--expect', 'x.jsonl', 'x.scenario']), 128, 'two predicates');
});

t.test('git bisect driving: first bad commit, log, and the tree left as found', async (t) => {
  const { tree, commits } = fakeTree();
  git(tree, 'checkout', '-q', 'main');
  t.equal(parseFirstBad(`${commits[2]} is the first bad commit\ncommit ...`), commits[2]);
  const step = path.join(tree, '..', `step-${path.basename(tree)}.sh`);
  writeFileSync(step, '#!/bin/sh\ngrep -q EBUSY fs/locks.c && exit 1\nexit 0\n');
  chmodSync(step, 0o755);
  const r = await runGitBisect({ tree, good: commits[0]!, bad: commits[4]!, step: [step] });
  t.equal(r.firstBad, commits[2]);
  t.match(r.summary, /locks: EBUSY/);
  t.match(r.log, /git bisect (start|good|bad)/);
  t.equal(git(tree, 'rev-parse', 'HEAD'), commits[4], 'HEAD restored');
  t.equal(git(tree, 'symbolic-ref', 'HEAD'), 'refs/heads/main', 'still on the branch');
  t.notOk(existsSync(path.join(tree, '.git/BISECT_START')), 'no bisect left in progress');

  // A step that aborts (bad input, 128): no answer, the tree still restored.
  git(tree, 'checkout', '-q', '--detach', commits[1]!);
  writeFileSync(step, '#!/bin/sh\nexit 128\n');
  const aborted = await runGitBisect({ tree, good: commits[0]!, bad: commits[4]!, step: [step] });
  t.equal(aborted.firstBad, undefined);
  t.not(aborted.exitCode, 0);
  t.equal(git(tree, 'rev-parse', 'HEAD'), commits[1], 'detached HEAD restored');
  t.notOk(existsSync(path.join(tree, '.git/BISECT_START')));
});

t.test('SIGTERM or Ctrl-C mid-bisection: steps stopped, tree restored', async (t) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const { tree, commits } = fakeTree();
    git(tree, 'checkout', '-q', 'main');
    const marker = path.join(tree, '..', `step-started-${path.basename(tree)}`);
    const step = path.join(tree, '..', `slow-${path.basename(tree)}.sh`);
    const nap = `${300 + Math.floor(Math.random() * 1000)}.5`;
    writeFileSync(step, `#!/bin/sh\ntouch ${marker}\nexec sleep ${nap}\n`);
    chmodSync(step, 0o755);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'tests/fixtures/bisect/run-git-bisect.ts'), tree, commits[0]!, commits[4]!, step], {
      cwd: root,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))));
    for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    t.ok(existsSync(marker), 'a step is running');
    t.not(git(tree, 'rev-parse', 'HEAD'), commits[4], 'git bisect has checked out a midpoint');
    child.kill(signal);
    t.equal(await exited, signal === 'SIGTERM' ? 143 : 130, `exit after ${signal}`);
    t.equal(git(tree, 'rev-parse', 'HEAD'), commits[4], 'HEAD restored');
    t.equal(git(tree, 'symbolic-ref', 'HEAD'), 'refs/heads/main', 'on the branch again');
    t.notOk(existsSync(path.join(tree, '.git/BISECT_START')), 'bisect reset');
    const left = execFileSync('sh', ['-c', `pgrep -fx 'sleep ${nap}' || true`], { encoding: 'utf8' }).trim();
    t.equal(left, '', 'no step left running');
  }
});

t.test('a dirty or already-bisecting tree is refused before anything runs', async (t) => {
  const { tree, commits } = fakeTree();
  await checkTree(tree);
  writeFileSync(path.join(tree, 'fs/locks.c'), 'edited\n');
  await t.rejects(checkTree(tree), { message: /uncommitted changes/ });
  git(tree, 'checkout', '-q', '--', 'fs/locks.c');
  git(tree, 'bisect', 'start', commits[4]!, commits[0]!);
  await t.rejects(checkTree(tree), { message: /already bisecting/ });
  git(tree, 'bisect', 'reset');
});

t.test('bisect-series on the demonstration series with fake builds: patch 7 in 3 builds', async (t) => {
  const series = await loadSeries(path.join(root, 'tests/fixtures/bisect/series'));
  const n = series.patches.length;
  t.ok(n >= 8, 'at least eight patches');
  const work = mkdtempSync(path.join(os.tmpdir(), 'vfslab-bisect-series-'));
  const src = path.join(work, 'src');
  // What the vfslab fragment compiles (btrfs, nfsd and Documentation are not built).
  const compiled = ['fs/locks.c', 'fs/fcntl.c', 'fs/notify/fanotify/fanotify_user.c', 'fs/ext4/file.c'];
  let builds = 0;
  const cached = new Set<number>(); // like the build cache: a key built once is reused
  const deps: SeriesDeps = {
    build: async (k) => {
      if (cached.has(k)) return { bzImage: path.join(work, `bz-${k}`), key: `k${k}`, reused: true, srcDir: src, objDir: path.join(work, 'obj') };
      cached.add(k);
      builds++;
      const objDir = path.join(work, 'obj');
      mkdirSync(objDir, { recursive: true });
      writeFileSync(path.join(objDir, '.all.cmd'), `deps_all := \\\n${compiled.map((f) => `  ${src}/${f} \\`).join('\n')}\n\n`);
      const bzImage = path.join(work, `bz-${k}`);
      // The kernel is what the compiled files' patches make it.
      const applied = series.patches.slice(0, k).filter((p) => p.touched.some((f) => compiled.includes(f)));
      writeFileSync(bzImage, applied.map((p) => p.patch).join('\n'));
      return { bzImage, key: `k${k}`, reused: false, srcDir: src, objDir };
    },
    runOnce: fakeRuns(/0007-/).run,
  };
  const r = await seriesCore(series, oracle(), path.join(work, 'state.json'), deps, quiet);
  t.equal(r.first, 7);
  t.equal(series.patches[6]!.patch, '0007-locks-return-EBUSY-for-read-lease-on-file-open-for-write.patch');
  t.same(r.tested.map((x) => [x.k, x.outcome, x.built]), [
    [0, 'good', true],
    [4, 'good', true],
    [6, 'good', false], // patches 5 and 6 (nfsd, Documentation) touch nothing the build read
    [7, 'bad', true],
  ]);
  t.equal(r.builds, 3);
  t.equal(builds, 3);
  t.ok(r.builds <= Math.ceil(Math.log2(n)) + 1);
  t.match(formatSeriesReport(series, r)[0], /^first patch that changes the outcome \(good -> bad\): 7\/8 0007-/);
  // A rerun: every build is a cache hit, the build dir still holds prefix 7, and
  // prefix 6 is still known to be prefix 4's kernel (it was never built).
  const again = await seriesCore(series, oracle(), path.join(work, 'state.json'), deps, quiet);
  t.equal(again.first, 7);
  t.same(again.tested.map((x) => x.built), [false, false, false, false]);
  t.equal(builds, 3, 'nothing built on the rerun, prefix 6 included');
});
