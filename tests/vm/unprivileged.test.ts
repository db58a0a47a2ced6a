// After set-up, nothing in a run needs root on the host: an unprivileged user
// boots the guest and runs scenarios (QEMU under TCG, files in /tmp only).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// `env -i`: a clean environment. tap adds NODE_OPTIONS to every child it sees
// spawned, and those point into a checkout nobody may not be able to read.
const asNobody = (args: string[], cwd: string) =>
  spawnSync('runuser', ['-u', 'nobody', '--', 'env', '-i', `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`, 'HOME=/nonexistent', `CI=${process.env['CI'] ?? ''}`, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
  });

/**
 * The checkout itself may sit below a directory only root may enter (a
 * mktemp -d clone is 0700): then run from a copy made of hard links where
 * possible, holding what a run reads. The user's directories are not touched.
 */
function checkoutNobodyCanUse(): { dir: string; cleanup: () => void } {
  if (asNobody(['test', '-x', path.join(root, 'bin/vfslab')], '/').status === 0) return { dir: root, cleanup: () => {} };
  const top = mkdtempSync(path.join(os.tmpdir(), 'vfslab-unpriv-'));
  chmodSync(top, 0o755);
  const dir = path.join(top, 'repo');
  const images = ['kernels', 'pmem', 'manifest.json', 'pin.json', ...readdirSync(path.join(root, 'images')).filter((f) => f.endsWith('.cpio'))].map((f) => `images/${f}`);
  for (const p of ['bin', 'src', 'harness', 'guest', 'node_modules', 'package.json', 'tsconfig.json', 'tests/scenarios', ...images]) {
    const dest = path.join(dir, p);
    mkdirSync(path.dirname(dest), { recursive: true });
    // Hard links when on one filesystem (modes and times kept), a copy otherwise.
    if (spawnSync('cp', ['-al', path.join(root, p), dest]).status !== 0) spawnSync('cp', ['-a', path.join(root, p), dest]);
  }
  return { dir, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

t.test('vfslab run as nobody', { skip: process.getuid?.() !== 0 ? 'needs root to switch to nobody' : false }, async (t) => {
  // Set-up is root's job: the image, the probes and the pmem template must exist before.
  const prep = spawnSync(path.join(root, 'bin/vfslab'), ['boot', '--', 'true'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  t.equal(prep.status, 0, `set-up boot as root (${prep.stderr.slice(-300)})`);
  const co = checkoutNobodyCanUse();
  t.teardown(co.cleanup);
  const r = asNobody([path.join(co.dir, 'bin/vfslab'), 'run', 'tests/scenarios/fd/close-reuse.scenario', 'tests/scenarios/lease/break-setsig-sifd.scenario'], co.dir);
  t.equal(r.status, 0, `exit 0 (stderr: ${r.stderr.slice(-400)})`);
  t.match(r.stdout, /^ok 1 - /m);
  t.match(r.stdout, /^ok 2 - /m);
  t.match(r.stdout, /# 2 passed, 0 failed/);
});
