// Two runs at once on one machine: each gets its own port and work dir, both
// pass, and neither leaves a QEMU behind.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(path.join(root, 'bin/vfslab'), args, { cwd: root });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

t.test('two vfslab runs in parallel', async (t) => {
  const [a, b] = await Promise.all([
    run(['run', 'tests/scenarios/fd', '--pmem', 'nvdimm']),
    run(['run', 'tests/scenarios/fd', '--pmem', 'virtio', '--fs', 'xfs']),
  ]);
  t.equal(a.code, 0, `first run passes (${a.err.slice(-300)})`);
  t.equal(b.code, 0, `second run passes (${b.err.slice(-300)})`);
  const where = (err: string) => /ssh port (\d+), console (\S+)\/console\.log/.exec(err);
  const wa = where(a.err);
  const wb = where(b.err);
  t.ok(wa && wb, 'both runs name their port and work dir');
  t.not(wa?.[1], wb?.[1], 'separate ports');
  t.not(wa?.[2], wb?.[2], 'separate work dirs');
});
