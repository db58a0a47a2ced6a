// vfslab diff on two real guests (stock, then patched): among the seed lease
// scenarios, the traces differ exactly where docs/patches.md says the
// leaseCloseShutdown patch changes the outcome (the registered fd closed,
// replaced by dup2, closed by exec, or closed by the parent while a child
// holds a copy), the model explains both sides (exit 0), and a scenario that
// requires the feature runs on the patched kernel only.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lease = (n: string) => path.join(root, 'tests/scenarios/lease', `${n}.scenario`);

t.test('diff stock vs patched on the seed lease cases', async (t) => {
  const changed = ['break-stale-sifd', 'dup2-over-lease-fd', 'exec-cloexec-lease-fd', 'child-closes-all-fds'];
  const same = ['break-setsig-sifd', 'owner-gets-sigio-not-holder'];
  const files = [...changed, ...same, 'shutdown-dup2-same-file'].map(lease);
  const r = spawnSync(path.join(root, 'bin/vfslab'), ['diff', '--kernel', 'stock', '--kernel', 'patched', ...files], { encoding: 'utf8', timeout: 600_000 });
  t.equal(r.status, 0, `exit 0: the model explains both sides (stderr: ${r.stderr.slice(-600)})`);
  const differ = /^# {3}differ: (.*)$/m.exec(r.stdout)?.[1]?.split(', ') ?? [];
  t.same(differ.sort(), changed.map((n) => `lease-${n}`).sort(), r.stdout);
  t.match(r.stdout, /^# 4 scenario\(s\) differ \(4 explained by the model on both sides, 0 not\); 0 ran on stock only, 1 on patched only$/m);
  t.match(r.stdout, /^ {2}model on stock: pass/m);
  t.match(r.stdout, /^ {2}model on patched: pass/m);
});
