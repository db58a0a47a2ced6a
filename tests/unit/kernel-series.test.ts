import t from 'tap';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadSeries, parseSeries, patchFeatures, patchTouchedFiles, seriesHash, emptySeries } from '../../harness/kernel/series.js';
import { InputError } from '../../harness/errors.js';

const diff = (file: string, extra = ''): string =>
  `From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\nWhy.\n${extra}\n---\n fs/x | 1 +\n\n` +
  `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1,1 +1,2 @@\n a\n+b\n`;

t.test('quilt series: names, -pN, comments, blank lines', async (t) => {
  const s = parseSeries('# header\n\n0001-a.patch\n0002-b.patch -p0   # trailing comment\n  \n0003-c.patch #x\n', 'series');
  t.same(s, [
    { patch: '0001-a.patch', strip: 1, line: 3 },
    { patch: '0002-b.patch', strip: 0, line: 4 },
    { patch: '0003-c.patch', strip: 1, line: 6 },
  ]);
  t.same(parseSeries('', 'series'), []);
});

t.test('series errors name the file and line', async (t) => {
  t.throws(() => parseSeries('a.patch\na.patch\n', 'S'), { message: /^S:2: .*already listed on line 1/ });
  t.throws(() => parseSeries('a.patch -R\n', 'S'), { message: /^S:1: unsupported patch option '-R'/ });
  t.throws(() => parseSeries('../escape.patch\n', 'S'), { message: /^S:1: .*inside the series directory/ });
  t.throws(() => parseSeries('/abs.patch\n', 'S'), InputError);
});

t.test('features come only from Vfslab-Feature lines in the description', async (t) => {
  t.same(patchFeatures(diff('fs/locks.c', 'Vfslab-Feature: leaseCloseShutdown\nSigned-off-by: a <a@b>'), 'p'), ['leaseCloseShutdown']);
  t.same(patchFeatures(diff('fs/locks.c'), 'p'), [], 'no line, no feature: never guessed from the code');
  t.same(patchFeatures(diff('fs/locks.c', 'Vfslab-Feature: a\nVfslab-Feature: b\nVfslab-Feature: a'), 'p'), ['a', 'b']);
  // A line in the diff body (e.g. a patch adding documentation) is not a declaration.
  t.same(patchFeatures(diff('fs/locks.c') + '+Vfslab-Feature: mapDirect\n', 'p'), []);
  t.throws(() => patchFeatures('Subject: x\nVfslab-Feature: Bad-Name\n---\n', 'p.patch'), { message: /^p\.patch:2: bad feature line/ });
  t.throws(() => patchFeatures('Vfslab-Feature:\n', 'p.patch'), InputError);
});

t.test('touched files: modified, created, deleted, strip levels', async (t) => {
  const text =
    '--- a/fs/locks.c\n+++ b/fs/locks.c\n@@ -1 +1 @@\n-a\n+b\n' +
    '--- /dev/null\n+++ b/fs/new.c\n@@ -0,0 +1 @@\n+x\n' +
    '--- a/fs/old.c\t2020-01-01\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n';
  t.same(patchTouchedFiles(text, 1), ['fs/locks.c', 'fs/new.c', 'fs/old.c']);
  t.same(patchTouchedFiles('--- fs/a.c\n+++ fs/a.c\n', 0), ['fs/a.c']);
});

t.test('series hash: content and order count, comments do not', async (t) => {
  const a = { patch: 'a.patch', strip: 1, text: 'A' };
  const b = { patch: 'b.patch', strip: 1, text: 'B' };
  t.equal(seriesHash([a, b]), seriesHash([{ ...a }, { ...b }]));
  t.not(seriesHash([a, b]), seriesHash([b, a]));
  t.not(seriesHash([a]), seriesHash([{ ...a, text: 'A2' }]));
  t.not(seriesHash([a]), seriesHash([{ ...a, strip: 0 }]));
  t.equal(emptySeries().hash, seriesHash([]));
  t.not(emptySeries().hash, seriesHash([a]));
});

t.test('loadSeries: reads patches, features, and names a missing patch', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vfslab-series-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, '0001-x.patch'), diff('fs/locks.c', 'Vfslab-Feature: leaseCloseShutdown'));
  await writeFile(path.join(dir, 'series'), '# c\n0001-x.patch\n');
  const s = await loadSeries(path.join(dir, 'series'));
  t.same(s.features, { leaseCloseShutdown: true });
  t.same(s.patches.map((p) => [p.patch, p.touched]), [['0001-x.patch', ['fs/locks.c']]]);

  const withComment = path.join(dir, 'series2');
  await writeFile(withComment, '# another comment\n0001-x.patch\n');
  t.equal((await loadSeries(withComment)).hash, s.hash, 'comments in the series file do not change the hash');

  await writeFile(path.join(dir, 'series3'), '0001-x.patch\n0002-missing.patch\n');
  await t.rejects(loadSeries(path.join(dir, 'series3')), { message: /series3:2: patch '0002-missing\.patch' cannot be read \(ENOENT/ });
  await t.rejects(loadSeries(path.join(dir, 'nope')), { message: /^--series: cannot read .*nope.*ENOENT/ });
  await writeFile(path.join(dir, 'junk.patch'), 'just text\n');
  await writeFile(path.join(dir, 'series4'), 'junk.patch\n');
  await t.rejects(loadSeries(path.join(dir, 'series4')), { message: /junk\.patch: is not a unified diff/ });
});

t.test('the project series parses and declares leaseCloseShutdown', async (t) => {
  const s = await loadSeries(path.join(import.meta.dirname, '..', '..', 'guest', 'patches', 'series'));
  t.ok(s.patches.length >= 1);
  t.equal(s.features['leaseCloseShutdown'], true);
  t.ok(s.patches[0]?.touched.includes('fs/locks.c'));
});
