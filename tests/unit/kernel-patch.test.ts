import t from 'tap';
import { hunkHeader, parsePatchOutput, PatchApplyError } from '../../harness/kernel/patch.js';
import { makefileVersion } from '../../harness/kernel/source.js';
import { formatProgress, parseKbuildLine, ProgressCounter } from '../../harness/kernel/progress.js';

const patch = [
  '--- a/fs/open.c',
  '+++ b/fs/open.c',
  '@@ -10,3 +10,4 @@ int a(void)',
  ' x',
  '+y',
  '--- a/fs/locks.c',
  '+++ b/fs/locks.c',
  '@@ -535,6 +535,11 @@ lease_setup(struct file_lock *fl, void **priv)',
  ' a',
  '+b',
  '@@ -1999,6 +2005,23 @@ static int do_fcntl_add_lease(unsigned int fd, struct file *filp, long arg)',
  ' c',
  '+d',
  '',
].join('\n');

t.test('GNU patch output: the failing file and hunks', async (t) => {
  const out = 'patching file fs/open.c\npatching file fs/locks.c\nHunk #2 FAILED at 1999.\n1 out of 2 hunks FAILED -- saving rejects to file -\n';
  t.same(parsePatchOutput(out), { hunks: [{ file: 'fs/locks.c', hunk: 2, at: 1999 }], problems: [] });
  const missing = "can't find file to patch at input line 3\nPerhaps you used the wrong -p or --strip option?\n";
  t.equal(parsePatchOutput(missing).problems.length, 1);
  const reversed = 'patching file fs/locks.c\nReversed (or previously applied) patch detected!  Skipping patch.\n';
  t.match(parsePatchOutput(reversed).problems[0], /^fs\/locks\.c: Reversed/);
  t.same(parsePatchOutput("patching file 'fs/a b.c'\nHunk #1 FAILED at 3.\n").hunks, [{ file: 'fs/a b.c', hunk: 1, at: 3 }]);
});

t.test('hunk header: the @@ line of the n-th hunk of a file', async (t) => {
  t.equal(hunkHeader(patch, 'fs/locks.c', 2, 1), '@@ -1999,6 +2005,23 @@ static int do_fcntl_add_lease(unsigned int fd, struct file *filp, long arg)');
  t.equal(hunkHeader(patch, 'fs/locks.c', 1, 1), '@@ -535,6 +535,11 @@ lease_setup(struct file_lock *fl, void **priv)');
  t.equal(hunkHeader(patch, 'fs/open.c', 1, 1), '@@ -10,3 +10,4 @@ int a(void)');
  t.equal(hunkHeader(patch, 'fs/locks.c', 3, 1), undefined);
  t.equal(hunkHeader(patch, 'fs/none.c', 1, 1), undefined);
});

t.test('a patch that does not apply is bad input naming the patch', async (t) => {
  const e = new PatchApplyError('guest/patches/0001-x.patch', { hunks: [], problems: [] }, 'hunk #2 of fs/locks.c');
  t.equal(e.exitCode, 2);
  t.match(e.message, /^guest\/patches\/0001-x\.patch: does not apply: hunk #2 of fs\/locks\.c/);
});

t.test('kernel version from the top Makefile', async (t) => {
  t.equal(makefileVersion('# x\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry Ramen\n'), '6.1.192');
  t.equal(makefileVersion('VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n'), '6.8.0-rc3');
  t.equal(makefileVersion('nothing\n'), undefined);
});

t.test('progress from kbuild lines', async (t) => {
  t.same(parseKbuildLine('  CC      fs/locks.o'), { verb: 'CC', target: 'fs/locks.o' });
  t.same(parseKbuildLine('  LD      vmlinux.o'), { verb: 'LD', target: 'vmlinux.o' });
  t.equal(parseKbuildLine('fs/locks.c:12:1: warning: x'), undefined);
  t.equal(parseKbuildLine('make[1]: Entering directory'), undefined);
  const c = new ProgressCounter(1000);
  for (const l of ['  CC      a.o', '  CC      b.o', '  AR      built-in.a', 'noise', '  LD      vmlinux.o']) c.line(l);
  const p = c.snapshot(66_000);
  t.same(p, { phase: 'link', compiled: 2, steps: 4, last: 'LD vmlinux.o', elapsedMs: 65_000 });
  t.equal(formatProgress(p), 'kernel: 1m05s link: 2 compiled, LD vmlinux.o');
});
