// Applies real patches with GNU patch to a tiny tree in a temp dir (no kernel, no VM).
import t from 'tap';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { preparePatchedTree, PatchApplyError } from '../../harness/kernel/patch.js';
import { loadSeries } from '../../harness/kernel/series.js';
import type { KernelSource } from '../../harness/kernel/source.js';

const locks = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const good = [
  'Subject: [PATCH] good',
  '',
  'Vfslab-Feature: leaseCloseShutdown',
  '---',
  '--- a/fs/locks.c',
  '+++ b/fs/locks.c',
  '@@ -1,3 +1,4 @@ first',
  ' line 1',
  '+patched 1',
  ' line 2',
  ' line 3',
  '--- /dev/null',
  '+++ b/fs/new.c',
  '@@ -0,0 +1 @@',
  '+new file',
  '',
].join('\n');
const bad = [
  'Subject: [PATCH] bad',
  '---',
  '--- a/fs/locks.c',
  '+++ b/fs/locks.c',
  '@@ -10,3 +10,4 @@ tenth',
  ' line 10',
  '+ok',
  ' line 11',
  ' line 12',
  '@@ -20,3 +21,4 @@ static int twentieth(void)',
  ' not line 20',
  '+fails',
  ' not line 21',
  ' not line 22',
  '',
].join('\n');

t.test('series applied to a hard-link copy; a failing hunk is named; the pristine tree never changes', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vfslab-apply-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pristine = path.join(dir, 'pristine');
  await mkdir(path.join(pristine, 'fs'), { recursive: true });
  await writeFile(path.join(pristine, 'fs', 'locks.c'), locks);
  await writeFile(path.join(pristine, 'Makefile'), 'VERSION = 6\n');
  const pdir = path.join(dir, 'patches');
  await mkdir(pdir);
  await writeFile(path.join(pdir, '0001-good.patch'), good);
  await writeFile(path.join(pdir, '0002-bad.patch'), bad);
  await writeFile(path.join(pdir, 'series'), '0001-good.patch\n0002-bad.patch\n');
  await writeFile(path.join(pdir, 'series-good'), '0001-good.patch\n');
  await writeFile(path.join(pdir, 'series-none'), '');
  const source: KernelSource = { dir: pristine, hash: 'h', describe: 'test tree', package: 'test', debianVersion: '', userTree: false };
  const dest = path.join(dir, 'copy');
  const log = (): void => undefined;

  const both = await loadSeries(path.join(pdir, 'series'));
  const err = await preparePatchedTree(source, both, dest, log).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof PatchApplyError, 'PatchApplyError');
  const msg = (err as Error).message;
  t.match(msg, /0002-bad\.patch: does not apply: hunk #2 of fs\/locks\.c/);
  t.match(msg, /@@ -20,3 \+21,4 @@ static int twentieth\(void\)/);
  t.match(msg, /series:2\]/);
  t.equal(await readFile(path.join(pristine, 'fs', 'locks.c'), 'utf8'), locks, 'pristine untouched');

  const goodOnly = await loadSeries(path.join(pdir, 'series-good'));
  const r = await preparePatchedTree(source, goodOnly, dest, log);
  t.equal(r.fresh, false, 'the copy is reused; only touched files are restored');
  const patched = await readFile(path.join(dest, 'fs', 'locks.c'), 'utf8');
  t.match(patched, /^line 1\npatched 1\nline 2\n/);
  t.notMatch(patched, /\nok\n/, 'the failed series left nothing behind');
  t.equal(await readFile(path.join(dest, 'fs', 'new.c'), 'utf8'), 'new file\n');
  t.equal(await readFile(path.join(pristine, 'fs', 'locks.c'), 'utf8'), locks, 'pristine still untouched');
  t.equal((await stat(path.join(dest, 'Makefile'))).ino, (await stat(path.join(pristine, 'Makefile'))).ino, 'unpatched files are hard links');

  const again = await preparePatchedTree(source, goodOnly, dest, log);
  t.equal(again.fresh, false);

  const none = await loadSeries(path.join(pdir, 'series-none'));
  await preparePatchedTree(source, none, dest, log);
  t.equal(await readFile(path.join(dest, 'fs', 'locks.c'), 'utf8'), locks, 'empty series: restored to pristine');
  await t.rejects(stat(path.join(dest, 'fs', 'new.c')), 'a file the old series created is gone');
});
