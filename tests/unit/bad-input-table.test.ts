// Bad input, one table: malformed scenario files (syntax and semantics),
// unknown operations, flags and signals, fds used before they exist or after
// close, impossible process graphs, bad CLI flags and values, missing and
// corrupt kernel images, trees and series that are not usable, results that
// exist. Each row: exit 2, a message naming the place (file:line, the flag,
// the file) and the fix (what would be valid), no stack trace, and nothing
// touched: no QEMU started, no work dir, existing results unchanged, the
// manifest unchanged, the row's own files unchanged.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vfslab = path.join(root, 'bin/vfslab');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vfslab-badinput-'));
const good = path.join(root, 'tests/scenarios/fd/close-reuse.scenario');

// Results that exist already: every row that could write them must leave them as they are.
const results = path.join(tmp, 'results');
mkdirSync(path.join(results, 'report'), { recursive: true });
writeFileSync(path.join(results, 'old.json'), '{"precious": true}\n');
writeFileSync(path.join(results, 'report/index.html'), '<p>an earlier report</p>\n');

// A QEMU first on PATH that only records that it was started.
const fakeBin = path.join(tmp, 'bin');
mkdirSync(fakeBin);
const started = path.join(tmp, 'qemu-started');
writeFileSync(path.join(fakeBin, 'qemu-system-x86_64'), `#!/bin/sh\necho "$@" >> ${started}\nexit 1\n`, { mode: 0o755 });
const runTmp = path.join(tmp, 'tmpdir');
mkdirSync(runTmp);

// Kernel images and trees that cannot be used.
const corrupt = path.join(tmp, 'corrupt-bzImage');
writeFileSync(corrupt, Buffer.alloc(4096, 0x5a));
const notATree = path.join(tmp, 'not-a-tree');
mkdirSync(notATree);
writeFileSync(path.join(notATree, 'README'), 'not a kernel\n');
const fakeTree = path.join(tmp, 'fake-tree');
mkdirSync(fakeTree);
writeFileSync(path.join(fakeTree, 'Makefile'), 'all:\n');
writeFileSync(path.join(fakeTree, 'Kconfig'), '');
writeFileSync(path.join(tmp, 'bad.patch'), '--- a/nofile.c\n+++ b/nofile.c\n@@ -1,1 +1,1 @@\n-old\n+new\n');
writeFileSync(path.join(tmp, 'series-not-applying'), 'bad.patch\n');
writeFileSync(path.join(tmp, 'series-missing'), 'missing.patch\n');
const buildName = `badinput${process.pid}`;
t.teardown(() => rmSync(path.join(root, 'images/build', buildName), { recursive: true, force: true }));
writeFileSync(path.join(tmp, 'not-json.json'), '{ nope');
writeFileSync(path.join(tmp, 'old-version.json'), '{"version": -1, "metadata": [], "scenarios": []}\n');
writeFileSync(path.join(tmp, 'profile-bad.json'), '{"name": 3}\n');
mkdirSync(path.join(tmp, 'empty-dir'));

interface Row {
  name: string;
  args: string[];
  /** The place: file:line, a flag, a file. */
  place: RegExp;
  /** The fix: what would be valid. */
  fix: RegExp;
  env?: Record<string, string>;
}

const rows: Row[] = [];
let n = 0;
/** A scenario file with `body` after a valid head; `line` is where the error is. */
function scenario(name: string, body: string, line: number, fix: RegExp, cmd: 'run' | 'model' | 'repro' = 'run'): void {
  const file = path.join(tmp, `s${++n}.scenario`);
  writeFileSync(file, body);
  rows.push({ name: `scenario: ${name}`, args: [cmd, file], place: new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: `), fix });
}
const head = 'scenario s\nprocess A\n';

// ---- scenario syntax ----
scenario('a line that is no directive', `${head}= open\n`, 3, /expected one of scenario NAME/);
scenario('scenario given twice', `${head}scenario again\n`, 3, /"scenario" given twice; expected/);
scenario('bad scenario name', 'scenario bad!name\nprocess A\n', 1, /expected scenario NAME \(letters, digits/);
scenario('unquoted description', `${head}description not quoted\n`, 3, /expected description "TEXT"/);
scenario('requires without a feature', `${head}requires\n`, 3, /expected requires FEATURE/);
scenario('unknown setup key', `scenario s\nsetup floppy=1\nprocess A\n`, 2, /unknown setup key "floppy"; expected one of pmem, fs, dax/);
scenario('bad setup value', `scenario s\nsetup fs=btrfs\nprocess A\n`, 2, /bad fs "btrfs"; expected one of any, ext4, xfs/);
scenario('unknown sysctl', `scenario s\nsysctl fs.nosuch=1\nprocess A\n`, 2, /unknown sysctl "fs.nosuch"; expected one of fs\.lease-break-time/);
scenario('sysctl value not a number', `scenario s\nsysctl fs.lease-break-time=soon\nprocess A\n`, 2, /expected an integer/);
scenario('sysctl after the first step', `${head}A: mkdir "d"\nsysctl fs.lease-break-time=1\n`, 4, /use a "PROC: sysctl NAME VALUE" step/);
scenario('bad process declaration', 'scenario s\nprocess 9lives\n', 2, /expected process NAME/);
scenario('a second process declared', `${head}process B\n`, 3, /must come into being by "A: fork B"/);
scenario('unknown directive', `${head}frobnicate x\n`, 3, /unknown directive "frobnicate"; expected one of scenario NAME/);
scenario('unterminated string', `${head}A: f = open "data O_RDONLY\n`, 3, /expected one of scenario NAME|unterminated|closing/);
scenario('bad result name', `${head}A: 9f = open "x" O_RDONLY\n`, 3, /expected one of NAME = OP/);
scenario('missing result name before =', `${head}A: = open "x" O_RDONLY\n`, 3, /missing result name before "="; expected NAME = OP/);
scenario('missing operation', `${head}A:\n`, 3, /missing operation; expected one of open, openat/);
scenario('unknown syscall', `${head}A: frobnicate 3\n`, 3, /unknown operation "frobnicate"; expected one of open, openat/);
scenario('result name on an op that binds none', `${head}A: x = mkdir "d"\n`, 3, /mkdir does not bind a name; expected mkdir "PATH"/);
scenario('open without a result name', `${head}A: open "x" O_RDONLY\n`, 3, /open binds exactly one name; expected F = open/);
scenario('unknown open flag', `${head}A: f = open "x" O_BOGUS\n`, 3, /O_BOGUS.*expected/);
scenario('unknown fcntl command', `${head}A: f = open "x" O_RDWR|O_CREAT 0644\nA: fcntl f F_BOGUS\n`, 4, /F_BOGUS.*expected/);
scenario('unknown signal', `${head}A: signal SIGFOO catch\n`, 3, /SIGFOO.*expected/);
scenario('unknown signal disposition', `${head}A: signal SIGIO sometimes\n`, 3, /sometimes.*expected/);
scenario('unknown errno', `${head}A: mkdir "d"  expect errno=EWHAT\n`, 3, /unknown errno "EWHAT"; expected one of 0, /);
scenario('bad ret value', `${head}A: mkdir "d"  expect ret=lots\n`, 3, /bad ret value "lots"; expected an integer/);
scenario('unknown expectation', `${head}A: mkdir "d"  expect colour=red\n`, 3, /unknown expectation "colour"; expected/);
scenario('empty expect clause', `${head}A: mkdir "d"  expect\n`, 3, /empty expect clause; expected/);
scenario('bad duration', `${head}A: sleep forever\n`, 3, /forever.*expected/);
// ---- scenario semantics ----
scenario('fd used before it is defined', `${head}A: close g\n`, 3, /undefined fd name "g" in process A/);
scenario('fd used after close', `${head}A: f = open "x" O_RDWR|O_CREAT 0644\nA: close f\nA: close f\n`, 5, /fd "f" was closed at line 4; write stale:f to pass its old number on purpose/);
scenario('dup2 onto the runner\'s fds', `${head}A: f = open "x" O_RDWR|O_CREAT 0644\nA: g = dup2 f 150\n`, 4, /fd 150 is reserved for the runner \(fds >= 100\); expected a number below 100/);
scenario('mapping never made', `${head}A: load m 0\n`, 3, /undefined mapping "m" in process A/);
scenario('absolute path', `${head}A: f = open "/etc/passwd" O_RDONLY\n`, 3, /must be relative to the scenario directory; expected one of "data"/);
scenario('path escaping the scenario dir', `${head}A: f = open "../x" O_RDONLY\n`, 3, /must stay inside the scenario directory \(no ".."\)/);
scenario('step of a process never forked', `${head}B: mkdir "d"\n`, 3, /process "B" does not exist here \(processes come into being by "PARENT: fork B"\); expected A/);
scenario('step of a process that exited', `${head}A: fork B\nB: exit 0\nB: mkdir "d"\n`, 5, /process "B" has exited and cannot run steps/);
scenario('fork of a name that exists', `${head}A: fork A\n`, 3, /process "A" already exists; a fork names a new process/);
scenario('await of itself', `${head}A: await A 1s\n`, 3, /await names another process, not the one running the step/);
scenario('await of a process that does not exist', `${head}A: await Z 1s\n`, 3, /undefined process "Z"; expected A/);
scenario('F_DUPFD into the runner\'s range', `${head}A: f = open "x" O_RDWR|O_CREAT 0644\nA: g = fcntl f F_DUPFD 950\n`, 4, /F_DUPFD minimum 950 reaches the runner's fds \(>= 100\); expected a number below 100/);
scenario('model: undefined fd', `${head}A: close g\n`, 3, /undefined fd name "g"/, 'model');
scenario('repro: unknown operation', `${head}A: frobnicate\n`, 3, /unknown operation "frobnicate"/, 'repro');

// ---- files and directories ----
rows.push({ name: 'scenario file that does not exist', args: ['run', path.join(tmp, 'nope.scenario')], place: /nope\.scenario: no such file or directory/, fix: /valid: scenario files \(\*\.scenario\)/ });
rows.push({ name: 'directory without scenarios', args: ['run', path.join(tmp, 'empty-dir')], place: /vfslab run: no scenario files found/, fix: /valid: files ending in \.scenario/ });
// ---- flags and values ----
const flagRows: [string, string[], RegExp, RegExp][] = [
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/, /valid: boot, run, model/],
  ['unknown option', ['run', '--bogus'], /vfslab run: Unknown option '--bogus'/, /valid: --kernel/],
  ['run --pmem', ['run', good, '--pmem', 'floppy'], /--pmem: unknown value 'floppy'/, /valid: nvdimm\|memmap\|virtio/],
  ['run --fs', ['run', good, '--fs', 'btrfs'], /--fs: unknown value 'btrfs'/, /valid: ext4\|xfs/],
  ['run --dax', ['run', good, '--dax', 'sometimes'], /--dax: unknown value 'sometimes'/, /valid: always\|inode\|never/],
  ['run --accel', ['run', good, '--accel', 'hvf'], /--accel: unknown value 'hvf'/, /valid: auto\|kvm\|tcg/],
  ['run --matrix list value', ['run', good, '--matrix', '--fs', 'ext4,zfs'], /--fs: unknown value 'zfs'/, /valid: ext4\|xfs/],
  ['run --settle-ms 0', ['run', good, '--settle-ms', '0'], /--settle-ms: '0' is not a positive integer/, /valid: e\.g\. 50/],
  ['run --batch words', ['run', good, '--batch', 'many'], /--batch: 'many' is not a positive integer/, /valid: e\.g\. 50/],
  ['run --shard out of range', ['run', good, '--shard', '5/4'], /--shard: '5\/4' is not K\/N with 1 <= K <= N/, /valid: e\.g\. 1\/4/],
  ['run --json that exists', ['run', good, '--json', path.join(results, 'old.json')], /--json: .*old\.json exists; vfslab does not overwrite results/, /valid: a new file name/],
  ['run --junit in a missing dir', ['run', good, '--junit', path.join(tmp, 'nodir/r.xml')], /--junit: directory of .*nodir\/r\.xml does not exist/, /valid: a path in an existing directory/],
  ['run --report that is not empty', ['run', good, '--report', path.join(results, 'report')], /--report: .*report exists and is not empty/, /valid: a new or empty directory/],
  ['run --profile unknown', ['run', good, '--profile', 'nosuch'], /--profile: no kernel named 'nosuch'/, /valid: stock/],
  ['run --profile bad file', ['run', good, '--profile', path.join(tmp, 'profile-bad.json')], /--profile: /, /name|version|features/],
  ['run --kernel unknown name', ['run', good, '--kernel', 'nosuchname', '--profile', 'stock'], /--kernel: no kernel named 'nosuchname'/, /valid: stock.*or a path to a bzImage/],
  ['run --kernel path without --profile', ['run', good, '--kernel', corrupt], /--profile: needed with --kernel/, /valid: stock/],
  ['boot --kernel missing file', ['boot', '--kernel', path.join(tmp, 'no-bzImage'), '--', 'true'], /guest kernel '.*no-bzImage' not found/, /run `make setup` \(or pass an existing file\)/],
  ['boot --kernel corrupt image', ['boot', '--kernel', corrupt, '--', 'true'], /--kernel: .*corrupt-bzImage is not an x86 boot image/, /valid: a bzImage/],
  ['run --kernel a directory', ['run', good, '--kernel', notATree, '--profile', 'stock'], /--kernel: .*not-a-tree is not a file/, /valid: a bzImage/],
  ['boot --pmem', ['boot', '--pmem', 'floppy'], /--pmem: unknown value 'floppy'/, /valid: nvdimm\|memmap\|virtio\|none/],
  ['model without a file', ['model'], /vfslab model: takes one scenario file, got 0/, /valid: vfslab model FILE\.scenario/],
  ['repro with two files', ['repro', good, good], /vfslab repro: takes one scenario file, got 2/, /valid: vfslab repro FILE\.scenario > repro\.c/],
  ['diff with one kernel', ['diff', good, '--kernel', 'stock'], /--kernel: given 1 time\(s\)/, /valid: --kernel A --kernel B/],
  ['diff --settle-ms', ['diff', good, '--kernel', 'stock', '--kernel', 'patched', '--settle-ms', 'x'], /--settle-ms: 'x' is not a positive integer/, /valid: e\.g\. 200/],
  ['merge without inputs', ['merge', path.join(tmp, 'out.json')], /vfslab merge: needs an output and at least one input/, /valid: vfslab merge OUT\.json IN\.json/],
  ['merge input missing', ['merge', path.join(tmp, 'out.json'), path.join(tmp, 'none.json')], /none\.json: no such file/, /valid: a results file written by vfslab run --json/],
  ['merge input not JSON', ['merge', path.join(tmp, 'out.json'), path.join(tmp, 'not-json.json')], /not-json\.json: not JSON/, /valid: a results file/],
  ['merge input of another version', ['merge', path.join(tmp, 'out.json'), path.join(tmp, 'old-version.json')], /old-version\.json: not a vfslab results file of version/, /valid: a results file written by this version/],
  ['merge over existing results', ['merge', path.join(results, 'old.json'), path.join(tmp, 'old-version.json')], /--json: .*old\.json exists/, /valid: a new file name/],
  ['kernel build --tree that is not a kernel tree', ['kernel', 'build', '--tree', notATree, '--name', buildName], /--tree: '.*not-a-tree' is not a kernel source tree/, /valid: a directory holding a Linux source tree/],
  ['kernel build --series naming a missing patch', ['kernel', 'build', '--tree', fakeTree, '--series', path.join(tmp, 'series-missing'), '--name', buildName], /series-missing:1: patch 'missing\.patch' cannot be read/, /ENOENT/],
  ['kernel build --series that does not apply', ['kernel', 'build', '--tree', fakeTree, '--series', path.join(tmp, 'series-not-applying'), '--name', buildName], /bad\.patch: does not apply: .*series-not-applying:1/, /valid: a patch refreshed against this tree/],
  ['kernel build --flavour', ['kernel', 'build', '--flavour', 'turbo'], /--flavour: unknown value 'turbo'/, /valid: default\|debug/],
  ['kernel build stray argument', ['kernel', 'build', 'now'], /vfslab kernel build: unexpected argument 'now'/, /valid: --tree --series/],
  ['malformed fault seam', ['run', good], /VFSLAB_TEST_FAULT: 'explode' is not KIND@BATCH/, /valid: kill-runner\|/],
];
for (const [name, args, place, fix] of flagRows) rows.push({ name, args, place, fix, ...(name === 'malformed fault seam' ? { env: { VFSLAB_TEST_FAULT: 'explode' } } : {}) });

function run(row: Row): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(vfslab, row.args, {
      cwd: tmp,
      env: { ...process.env, TMPDIR: runTmp, PATH: `${fakeBin}:${process.env['PATH']}`, ...row.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, err }));
  });
}

/** Every file under `dir` with a hash of its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const manifest = path.join(root, 'images/manifest.json');
const before = { results: snapshot(results), manifest: readFileSync(manifest, 'utf8') };
const inputs = snapshot(tmp);

t.ok(rows.length >= 50, `${rows.length} bad-input cases`);
// Four at a time (each is a node process compiling the CLI), before the subtests read them.
const outcomes = new Array<{ code: number | null; err: string }>(rows.length);
t.before(async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < rows.length) {
        const i = next++;
        outcomes[i] = await run(rows[i]!);
      }
    }),
  );
});
rows.forEach((row, i) => {
  t.test(row.name, async (t) => {
    const r = outcomes[i]!;
    t.equal(r.code, 2, `exit 2 (stderr: ${r.err.trim().slice(-600)})`);
    t.match(r.err, row.place, 'names the place');
    t.match(r.err, row.fix, 'and the fix');
    t.notMatch(r.err, /internal error|at .*\.ts:\d+|TypeError/, 'no stack trace');
  });
});

t.test('nothing was touched', async (t) => {
  t.notOk(existsSync(started), 'QEMU was never started');
  t.same(readdirSync(runTmp).filter((f) => f.startsWith('vfslab-')), [], 'no guest work dir');
  t.same(snapshot(results), before.results, 'existing results unchanged');
  t.equal(readFileSync(manifest, 'utf8'), before.manifest, 'images/manifest.json unchanged');
  const after = snapshot(tmp);
  const changed = Object.keys({ ...inputs, ...after }).filter((f) => inputs[f] !== after[f] && !f.startsWith('tmpdir/'));
  t.same(changed, [], 'the inputs themselves unchanged, nothing new beside them');
});
