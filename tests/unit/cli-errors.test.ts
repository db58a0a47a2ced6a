// Bad input to the CLI: one clear line naming what is wrong and what is
// valid, exit 2, and nothing boots (no QEMU appears).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// What this file and its children make under os.tmpdir() goes when it ends.
ownTmpdir(t);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vfslab = path.join(root, 'bin/vfslab');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vfslab-cli-'));
const bad = path.join(tmp, 'bad.scenario');
writeFileSync(bad, 'scenario bad\nprocess A\nA: f = open "x" O_BOGUS\nA: close g\n');

// A QEMU that cannot even print its version counts as missing.
const brokenBin = mkdtempSync(path.join(os.tmpdir(), 'vfslab-cli-broken-'));
writeFileSync(path.join(brokenBin, 'qemu-system-x86_64'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });

const cases: { args: string[]; want: RegExp; env?: Record<string, string> }[] = [
  { args: ['frobnicate'], want: /unknown command 'frobnicate' \(valid: boot, run, model, repro, merge, kernel/ },
  { args: ['boot', '--pmem', 'floppy'], want: /--pmem: unknown value 'floppy' \(valid: nvdimm\|memmap\|virtio\|none\)/ },
  { args: ['boot', '--fs', 'btrfs'], want: /--fs: unknown value 'btrfs' \(valid: ext4\|xfs\)/ },
  { args: ['boot', '--dax', 'sometimes'], want: /--dax: unknown value 'sometimes' \(valid: always\|inode\|never\)/ },
  { args: ['boot', '--accel', 'hvf'], want: /--accel: unknown value 'hvf' \(valid: auto\|kvm\|tcg\)/ },
  { args: ['boot', '--bogus'], want: /vfslab boot: Unknown option '--bogus'.*valid: --kernel/ },
  { args: ['boot', '--kernel', '/nonexistent/bzImage', '--', 'true'], want: /guest kernel '\/nonexistent\/bzImage' not found/ },
  { args: ['boot', '--kernel', 'nosuchname', '--', 'true'], want: /--kernel: no kernel named 'nosuchname'/ },
  { args: ['boot', '--', 'true'], want: /QEMU binary 'qemu-system-x86_64' not found or not executable: run `make setup`/, env: { PATH: `${brokenBin}:${process.env['PATH']}` } },
  { args: ['run', '/nonexistent.scenario'], want: /\/nonexistent.scenario: no such file or directory/ },
  { args: ['run', bad], want: new RegExp(`${bad}:3: .*O_BOGUS`) },
  { args: ['run', '--settle-ms', 'soon'], want: /--settle-ms: 'soon' is not a positive integer/ },
  { args: ['run', '--profile', 'nosuch'], want: /--profile: no kernel named 'nosuch'/ },
  { args: ['model'], want: /vfslab model: takes one scenario file, got 0/ },
  { args: ['diff', '--kernel', 'stock'], want: /--kernel: given 1 time\(s\); vfslab diff compares two kernels/ },
  { args: ['diff', '--kernel', 'stock', '--kernel', 'patched', '--profile', 'stock'], want: /--profile: given 1 time\(s\)/ },
  { args: ['diff', '--kernel', 'stock', '--kernel', 'patched', '--fs', 'btrfs'], want: /--fs: unknown value 'btrfs'/ },
  { args: ['repro', bad], want: new RegExp(`${bad}:3:`) },
];

// A QEMU first on PATH that only records that it was started (other runs on
// this machine may have QEMUs of their own, so counting processes would not tell).
const fakeBin = mkdtempSync(path.join(os.tmpdir(), 'vfslab-cli-bin-'));
const started = path.join(fakeBin, 'started');
writeFileSync(path.join(fakeBin, 'qemu-system-x86_64'), `#!/bin/sh\necho "$@" >> ${started}\nexit 1\n`, { mode: 0o755 });
const runTmp = mkdtempSync(path.join(os.tmpdir(), 'vfslab-cli-tmp-'));
for (const c of cases) {
  t.test(`vfslab ${c.args.join(' ')}`, async (t) => {
    const r = spawnSync(vfslab, c.args, { encoding: 'utf8', env: { ...process.env, TMPDIR: runTmp, PATH: `${fakeBin}:${process.env['PATH']}`, ...c.env }, timeout: 60_000 });
    t.equal(r.status, 2, `exit 2 (stderr: ${r.stderr.trim()})`);
    t.match(r.stderr, c.want);
    t.notMatch(r.stderr, /internal error|at .*\.ts:\d+/, 'no stack trace');
  });
}
t.test('nothing booted for bad input', async (t) => {
  t.notOk(existsSync(started), 'QEMU was never started');
  t.same(readdirSync(runTmp).filter((f) => f.startsWith('vfslab-')), [], 'no guest work dir was left');
});
