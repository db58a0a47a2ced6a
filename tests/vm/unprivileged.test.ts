// After set-up, nothing in a run needs root on the host: an unprivileged user
// boots the guest and runs scenarios (QEMU under TCG, files in /tmp only).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

t.test('vfslab run as nobody', { skip: process.getuid?.() !== 0 ? 'needs root to switch to nobody' : false }, async (t) => {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', path.join(root, 'bin/vfslab'), 'run', 'tests/scenarios/fd/close-reuse.scenario', 'tests/scenarios/lease/break-setsig-sifd.scenario'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, HOME: '/nonexistent' },
  });
  t.equal(r.status, 0, `exit 0 (stderr: ${r.stderr.slice(-400)})`);
  t.match(r.stdout, /^ok 1 - /m);
  t.match(r.stdout, /^ok 2 - /m);
  t.match(r.stdout, /# 2 passed, 0 failed/);
});
