// The Guest lifecycle on a real QEMU: boot to SSH, stage timings, commands,
// shutdown, and that no QEMU outlives any way of ending, nor any temp dir but
// the console evidence of a guest that failed or a process interrupted.
// Kernel and initramfs: the stock ones set-up made (images/manifest.json).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type tap from 'tap';
import { BootError, GuestInitError, QemuDiedError } from '../../harness/errors.js';
import { Guest, type GuestBootOptions } from '../../harness/guest.js';
import { freePort } from '../../harness/qemu/ports.js';
import { resolveBootImages } from '../../harness/image/resolve.js';
import { EVIDENCE } from '../fixtures/evidence.js';

const images = await resolveBootImages('stock', () => {});
const kernel = images.kernelPath;
const initrd = images.initrdPath;
// The child fixture boots the same images.
process.env.VFSLAB_KERNEL = kernel;
process.env.VFSLAB_INITRD = initrd;
const base: GuestBootOptions = { kernel, initrd, bootTimeoutMs: 90_000 };
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/boot-child.ts');

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** QEMU processes whose command line mentions this work dir. */
function qemusFor(workDir: string): string {
  try {
    return execFileSync('pgrep', ['-a', '-f', `qemu-system.*${workDir}`], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches.
  }
}

/** No QEMU left; of the work dir nothing, or only the evidence (then removed here). */
async function assertNothingLeft(t: Pick<typeof tap, 'notOk' | 'equal' | 'same'>, pid: number, workDir: string, left: 'nothing' | 'evidence' = 'nothing'): Promise<void> {
  const end = Date.now() + 5000;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.notOk(alive(pid), `QEMU ${pid} is gone`);
  t.equal(qemusFor(workDir), '', 'no qemu-system for this work dir');
  if (left === 'nothing') t.notOk(fs.existsSync(workDir), 'work dir removed');
  else t.same(fs.existsSync(workDir) ? fs.readdirSync(workDir).sort() : [], EVIDENCE, 'only the evidence is left of the work dir');
  fs.rmSync(workDir, { recursive: true, force: true });
}

t.test('boot nvdimm+ext4, SSH, stages, exec, upload, shutdown', async (t) => {
  const g = await Guest.boot({ ...base, pmem: 'nvdimm', fs: 'ext4', dax: 'always' });
  t.teardown(() => g.kill());
  const pid = g.pid;
  const workDir = g.workDir;
  t.comment(`accel: ${g.accel.accel} (${g.accel.reason})`);

  const mounts = await g.exec('cat /proc/mounts');
  t.equal(mounts.code, 0);
  t.match(mounts.stdout, /^\/dev\/pmem0 \/mnt\/pmem ext4 \S*\bdax=always\b/m, 'pmem0 mounted ext4 with dax=always');

  const names = g.stages.map((s) => s.name);
  for (const n of ['first-byte', 'stage:init', 'stage:modules', 'stage:sshd', 'stage:namespace', 'stage:mkfs', 'stage:mounted', 'ready', 'ssh-ready']) {
    t.ok(names.includes(n), `stage ${n} recorded`);
  }
  const ms = g.stages.map((s) => s.ms);
  t.strictSame(ms, [...ms].sort((a, b) => a - b), 'stage times increase');
  t.ok(g.stages.find((s) => s.name === 'ready')!.uptime! > 0, 'READY carries guest uptime');
  t.comment(`stages: ${g.stages.map((s) => `${s.name}=${s.ms}ms${s.uptime === undefined ? '' : `(${s.uptime}s)`}`).join(' ')}`);

  const lat: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    const r = await g.exec(`echo ${i}`);
    lat.push(performance.now() - s);
    t.equal(r.stdout, `${i}\n`);
  }
  lat.sort((a, b) => a - b);
  t.comment(`exec latency over 20 commands: median ${lat[10]!.toFixed(1)} ms, max ${lat[19]!.toFixed(1)} ms`);

  await g.upload(Buffer.from('#!/bin/sh\necho uploaded "$1"\n'), '/opt/vfslab/test/hello', 0o755);
  t.match(await g.exec('/opt/vfslab/test/hello x'), { code: 0, stdout: 'uploaded x\n' });
  t.strictSame(g.oopses(), [], 'clean console');
  t.match(fs.readFileSync(g.consoleLogPath, 'utf8'), /VFSLAB-READY/, 'console log file written');

  const exit = await g.shutdown();
  t.strictSame(exit, { code: 0, signal: null }, 'poweroff ends QEMU cleanly');
  await assertNothingLeft(t, pid, workDir);
});

t.test('aborted mid-boot: BootError naming the kept console log, no QEMU, no other temp file', async (t) => {
  const ac = new AbortController();
  let info: { pid: number; workDir: string } | undefined;
  const err = await Guest.boot({
    ...base,
    signal: ac.signal,
    onSpawn: (i) => (info = i),
    onStage: (s) => s.name === 'stage:init' && ac.abort('test abort'),
  }).catch((e: unknown) => e);
  t.ok(err instanceof BootError, `BootError (${String(err)})`);
  t.match((err as Error).message, /aborted \(test abort\)/);
  t.ok(info);
  t.match((err as Error).message, `; console log: ${path.join(info?.workDir ?? '?', 'console.log')}`);
  await assertNothingLeft(t, info!.pid, info!.workDir, 'evidence');
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`host process gets ${sig} mid-boot: it dies of it, no QEMU, only the console evidence`, async (t) => {
    // `env -u NODE_OPTIONS`: keep tap's hooks (and their signal handlers) out of the child.
    const c = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let info: { pid: number; workDir: string } | undefined;
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!info && out.includes('\n')) {
        info = JSON.parse(out.split('\n')[0]!) as { pid: number; workDir: string };
        // Let QEMU get going before pulling the rug.
        setTimeout(() => c.kill(sig), 1000);
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => c.on('close', (code, s) => r([code, s])));
    t.strictSame([code, signal], [null, sig], `host process died of ${sig}`);
    t.notMatch(out, /booted/, 'it was killed mid-boot');
    t.ok(info);
    await assertNothingLeft(t, info!.pid, info!.workDir, 'evidence');
  });
}

t.test('init failure: GuestInitError with reason and log; keepOnFailure keeps the console', async (t) => {
  let info: { pid: number; workDir: string } | undefined;
  const err = await Guest.boot({ ...base, keepOnFailure: true, extraCmdline: ['vfslab.fs=btrfs'], onSpawn: (i) => (info = i) }).catch(
    (e: unknown) => e,
  );
  t.ok(err instanceof GuestInitError, `GuestInitError (${String(err)})`);
  t.match((err as GuestInitError).reason, /unknown vfslab\.fs=btrfs/);
  t.match((err as Error).message, /work dir kept: /);
  t.ok(info);
  t.notOk(alive(info!.pid), 'QEMU gone');
  t.match(fs.readFileSync(path.join(info!.workDir, 'console.log'), 'utf8'), /VFSLAB-INIT-FAILED unknown vfslab\.fs=btrfs/);
  fs.rmSync(info!.workDir, { recursive: true, force: true });
});

t.test('port clash retried; oopses seen (WARNING too); a panic is QemuDiedError', async (t) => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.teardown(() => busy.close());
  const busyPort = (busy.address() as net.AddressInfo).port;
  const offered: number[] = [];
  const g = await Guest.boot({
    ...base,
    pickPort: async () => {
      const p = offered.length === 0 ? busyPort : await freePort();
      offered.push(p);
      return p;
    },
  });
  t.teardown(() => g.kill());
  t.equal(offered[0], busyPort);
  t.equal(offered.length, 2, 'one retry after the clash');
  t.equal(g.sshPort, offered[1]);

  await g.exec('echo "<3>BUG: vfslab test bug" > /dev/kmsg; sleep 0.6; echo "<4>WARNING: CPU: 0 PID: 1 at vfslab/test.c:1 test+0x0/0x1" > /dev/kmsg');
  const end = Date.now() + 5000;
  while (g.oopses().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.strictSame(
    g.oopses().map((f) => f.rule),
    ['bug', 'warning'],
    'BUG and (thanks to loglevel=5) WARNING reach the console and the detector',
  );

  const pid = g.pid;
  const workDir = g.workDir;
  const err = await g.exec('echo c > /proc/sysrq-trigger', { timeoutMs: 20_000 }).catch((e: unknown) => e);
  t.ok(err instanceof QemuDiedError, `QemuDiedError (${String(err)})`);
  t.match((err as QemuDiedError).consoleTail, /Kernel panic - not syncing: sysrq triggered crash/);
  t.ok(g.oopses().some((f) => f.rule === 'kernel-panic'));
  t.match((err as Error).message, `; console log: ${path.join(workDir, 'console.log')}`, 'the error names the console log');
  await g.kill();
  await assertNothingLeft(t, pid, workDir, 'evidence');
});
