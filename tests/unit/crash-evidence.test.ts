// A crash (an exception or rejection nobody caught), a signal, or a guest
// that failed: QEMU is killed and the work dir keeps only the evidence
// (console log, QEMU command line); the pmem image and the private key go.
// A guest that did not fail leaves nothing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/faults/crash-child.ts');

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

function runChild(mode: string, send?: NodeJS.Signals): Promise<{ pid: number; dir: string; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    // Without tap's NODE_OPTIONS hooks (their own signal handlers), as in cleanup.test.ts.
    const c = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let info: { pid: number; dir: string } | undefined;
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!info && out.includes('\n')) {
        info = JSON.parse(out.split('\n')[0]!) as { pid: number; dir: string };
        if (send) c.kill(send);
      }
    });
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (info ? resolve({ ...info, code, err }) : reject(new Error(`child printed nothing (${code}): ${err}`))));
  });
}

for (const mode of ['throw', 'reject'] as const) {
  t.test(`${mode}: QEMU killed, only the console evidence kept`, async (t) => {
    const r = await runChild(mode);
    t.teardown(() => fs.rmSync(r.dir, { recursive: true, force: true }));
    t.equal(r.code, 1, 'exit 1, as a crash');
    t.ok(await gone(r.pid), 'the stand-in QEMU is gone');
    t.same(fs.readdirSync(r.dir).sort(), ['console.log', 'qemu.argv.json'], 'pmem image and key removed, evidence kept');
    t.equal(fs.readFileSync(path.join(r.dir, 'console.log'), 'utf8'), 'VFSLAB-READY 1.0\n', 'the console log intact');
    t.match(r.err, /vfslab: crashed; kept console\.log, qemu\.argv\.json in /, 'stderr says where');
  });
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  t.test(`${signal}: QEMU killed, only the console evidence kept`, async (t) => {
    const r = await runChild('wait', signal);
    t.teardown(() => fs.rmSync(r.dir, { recursive: true, force: true }));
    t.ok(await gone(r.pid), 'the stand-in QEMU is gone');
    t.same(fs.readdirSync(r.dir).sort(), ['console.log', 'qemu.argv.json'], 'pmem image and key removed, evidence kept');
    t.match(r.err, new RegExp(`vfslab: interrupted by ${signal}; kept console\\.log, qemu\\.argv\\.json in `), 'stderr says where');
  });
}

t.test('a guest that failed: its work dir keeps the evidence, nothing said on stderr', async (t) => {
  const r = await runChild('failed');
  t.teardown(() => fs.rmSync(r.dir, { recursive: true, force: true }));
  t.equal(r.code, 0, 'exit 0: the error message, not the work dir, tells the user');
  t.same(fs.readdirSync(r.dir).sort(), ['console.log', 'qemu.argv.json'], 'evidence kept');
  t.equal(r.err, '', 'nothing on stderr');
});

t.test('a guest that did not fail: nothing kept', async (t) => {
  const r = await runChild('clean');
  t.ok(await gone(r.pid), 'the stand-in QEMU is gone');
  t.equal(r.code, 0);
  t.notOk(fs.existsSync(r.dir), 'the work dir is removed');
});
