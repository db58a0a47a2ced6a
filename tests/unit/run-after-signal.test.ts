// After SIGINT, while another handler holds the exit, runScenarios starts no
// guest: every scenario is infra "not run: vfslab interrupted by SIGINT", and
// the process still ends with 130.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ownTmpdir } from '../fixtures/tmpdir.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/run-after-signal-child.ts');

t.test('no guest after a signal', async (t) => {
  // Should a guest be started after all, its work dir goes with the test.
  ownTmpdir(t);
  // Without tap's NODE_OPTIONS hooks (their own signal handlers), as in cleanup.test.ts.
  const c = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => c.on('close', resolve));
  t.equal(code, 130, `exit 130 (stderr: ${err.slice(-300)})`);
  const r = JSON.parse(out.split('\n')[0] || '{}') as { spawned?: number; verdicts?: unknown[] };
  t.equal(r.spawned, 0, 'no QEMU was started');
  t.same(
    r.verdicts,
    ['close-reuse', 'close-ebadf'].map((scenario) => ({ kind: 'infra', scenario, reason: 'not run: vfslab interrupted by SIGINT' })),
    'both scenarios reported as not run',
  );
});
