// Spawns one QEMU process that can never outlive us: it is registered with the
// cleanup registry (SIGKILL on any exit path of this process) and, where
// util-linux setpriv exists, started with PDEATHSIG=KILL so that even a
// SIGKILLed host process takes its QEMU down with it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onCleanup } from '../cleanup.js';
import { QemuMissingError } from '../errors.js';

export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Finds `bin` (a path or a name on $PATH) or throws QemuMissingError. */
export function resolveBinary(bin: string): string {
  const candidates = bin.includes('/')
    ? [bin]
    : (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, bin));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // Not this one.
    }
  }
  throw new QemuMissingError(bin);
}

const SETPRIV = '/usr/bin/setpriv';
const STDERR_KEEP = 16 * 1024;

export class QemuProcess {
  readonly pid: number;
  readonly exited: Promise<QemuExit>;
  private exitInfo: QemuExit | undefined;
  /** Reaped (set on 'exit', before 'close'): its pid must not be signalled any more. */
  private reaped = false;
  private err = '';
  private readonly unregister: () => void;

  /** argv[0] is the QEMU binary; stdout is discarded, stderr kept (the tail). */
  constructor(argv: readonly string[]) {
    const [bin, ...args] = argv;
    if (!bin) throw new QemuMissingError('(empty argv)');
    const qemu = resolveBinary(bin);
    const wrapped = fs.existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', qemu, ...args] : [qemu, ...args];
    const child = spawn(wrapped[0]!, wrapped.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    if (child.pid === undefined) throw new QemuMissingError(qemu);
    this.pid = child.pid;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.err = (this.err + d).slice(-STDERR_KEEP);
    });
    const pid = child.pid;
    child.once('exit', () => {
      this.reaped = true;
    });
    this.unregister = onCleanup(() => {
      if (!this.reaped) killQuietly(pid, 'SIGKILL');
    });
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit') so that stderr has been read to the end.
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        this.unregister();
        resolve(this.exitInfo);
      });
      child.once('error', (e) => {
        this.err += `\nspawn: ${e.message}`;
      });
    });
  }

  get exit(): QemuExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  stderr(): string {
    return this.err;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.reaped) killQuietly(this.pid, sig);
  }

  /** Waits up to graceMs for a voluntary exit, then SIGTERM, then SIGKILL. */
  async stop(graceMs: number): Promise<QemuExit> {
    if (graceMs > 0 && (await settlesWithin(this.exited, graceMs))) return this.exited;
    this.signal('SIGTERM');
    if (await settlesWithin(this.exited, 3000)) return this.exited;
    this.signal('SIGKILL');
    return this.exited;
  }

  async kill(): Promise<QemuExit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
