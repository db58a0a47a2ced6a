// Every exit path of a process that started "QEMU" (a sleep through
// QemuProcess) and made a work dir leaves neither behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { onCleanup, pendingCleanups, runCleanups } from '../../harness/cleanup.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/cleanup-child.ts');

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat); // A zombie is dead, just not reaped yet.
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

interface Run {
  info: { pid: number; dir: string };
  code: number | null;
  signal: NodeJS.Signals | null;
}

function runChild(mode: string, send?: NodeJS.Signals): Promise<Run> {
  return new Promise((resolve, reject) => {
    // tap injects NODE_OPTIONS (its processinfo hooks, with their own signal
    // handlers) into every child it sees spawned; `env -u` keeps ours alone.
    const c = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let info: Run['info'] | undefined;
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!info && out.includes('\n')) {
        info = JSON.parse(out.split('\n')[0]!) as Run['info'];
        if (send) c.kill(send);
      }
    });
    c.on('error', reject);
    c.on('close', (code, signal) => (info ? resolve({ info, code, signal }) : reject(new Error(`child printed nothing (${code} ${signal})`))));
  });
}

for (const [mode, send, expect] of [
  ['wait', 'SIGINT', { signal: 'SIGINT' }],
  ['wait', 'SIGTERM', { signal: 'SIGTERM' }],
  ['wait', 'SIGHUP', { signal: 'SIGHUP' }],
  ['throw', undefined, { code: 1 }],
  ['reject', undefined, { code: 1 }],
  ['exit', undefined, { code: 3 }],
  // Another SIGINT handler exists: cleanup still runs, and that handler decides how to exit.
  ['wait-other', 'SIGINT', { code: 42 }],
  // Another handler that does not exit: we exit 130 rather than let the process drain to 0.
  ['wait-passive', 'SIGINT', { code: 130 }],
] as const) {
  t.test(`${mode}${send ? ` + ${send}` : ''}: no process, no temp dir`, async (t) => {
    const r = await runChild(mode, send);
    t.match({ code: r.code, signal: r.signal }, expect, 'the usual exit status');
    t.ok(await gone(r.info.pid), `the child's process ${r.info.pid} is gone`);
    t.notOk(fs.existsSync(r.info.dir), 'work dir removed');
  });
}

t.test('SIGKILL of the host process: PDEATHSIG still takes the child down', async (t) => {
  const r = await runChild('wait', 'SIGKILL');
  t.equal(r.signal, 'SIGKILL');
  t.ok(await gone(r.info.pid), 'child killed via PDEATHSIG');
  // Nothing can run after SIGKILL: the temp dir is the one thing left behind.
  fs.rmSync(r.info.dir, { recursive: true, force: true });
});

t.test('runCleanups runs newest first, once, and survives a throwing action', async (t) => {
  const order: number[] = [];
  const before = pendingCleanups();
  onCleanup(() => order.push(1));
  onCleanup(() => {
    throw new Error('x');
  });
  const un = onCleanup(() => order.push(3));
  onCleanup(() => order.push(4));
  un();
  t.equal(pendingCleanups(), before + 3);
  runCleanups();
  runCleanups();
  t.strictSame(order, [4, 1]);
  t.equal(pendingCleanups(), 0);
});
