// A guest that hangs with no console output at all (here: started with its
// CPU stopped, -S): the boot watchdog fires, QEMU is asked for the run state
// and registers before the kill, the report quotes them, no QEMU is left and
// of the work dir only the console log (named in the error) and QEMU's
// command line.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { BootError } from '../../harness/errors.js';
import { launchGuest } from '../../harness/launch.js';
import { EVIDENCE } from '../fixtures/evidence.js';

t.test('hung guest: diagnosis, then kill', async (t) => {
  let dir = '';
  const err = await launchGuest({ extraQemuArgs: ['-S'], bootTimeoutMs: 8000, onSpawn: (i) => (dir = i.workDir) }).catch((e: unknown) => e);
  t.ok(err instanceof BootError, `a BootError (${String(err)})`);
  const b = err as BootError;
  t.match(b.message, /no VFSLAB-HOSTKEY within 8000 ms/);
  t.match(b.diagnosis ?? '', /VM status: paused/, 'QEMU says the CPU is stopped');
  t.match(b.diagnosis ?? '', /[ER]IP=[0-9a-f]+/, 'and gives the registers');
  t.match(b.detail(), /--- QEMU before the kill ---/);
  t.ok(dir, 'the work dir was named');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(readdirSync(dir).sort(), EVIDENCE, 'of the work dir only the evidence is left');
  t.match(b.message, `; console log: ${path.join(dir, 'console.log')}`, 'the error names the console log');
  t.equal(spawnSync('pgrep', ['-f', `qemu-system.*${dir}`]).status, 1, 'no QEMU of this boot left');
});
