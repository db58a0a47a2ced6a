import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildQemuArgv, type Accel } from '../qemu/args.js';
import { freePort } from '../qemu/ports.js';

export interface FloorRun {
  /** QEMU spawn to the floor init's first line on the console. */
  initMs: number;
  /** QEMU spawn to QEMU exiting after the init's poweroff. */
  exitMs: number;
}

/** The same kernel with a busybox initramfs that powers off from /init. */
export async function runFloor(qemu: string, kernel: string, initrd: string, accel: Accel): Promise<FloorRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vfslab-floor-'));
  try {
    const consoleLog = path.join(dir, 'console.log');
    const [bin, ...args] = buildQemuArgv({
      qemu,
      kernel,
      initrd,
      accel,
      pmem: 'none',
      fs: 'ext4',
      dax: 'always',
      sshPort: await freePort(),
      consoleLog,
      authorizedKeyB64: Buffer.from('none').toString('base64'),
    });
    const t0 = performance.now();
    const child = execa(bin!, args, { reject: false, timeout: 60_000, killSignal: 'SIGKILL' });
    let initMs = NaN;
    const poll = setInterval(() => {
      if (Number.isNaN(initMs) && existsSync(consoleLog) && readFileSync(consoleLog, 'utf8').includes('VFSLAB-FLOOR-INIT')) {
        initMs = performance.now() - t0;
      }
    }, 5);
    await child;
    clearInterval(poll);
    const exitMs = performance.now() - t0;
    if (Number.isNaN(initMs) && readFileSync(consoleLog, 'utf8').includes('VFSLAB-FLOOR-INIT')) initMs = exitMs;
    if (Number.isNaN(initMs)) throw new Error(`floor boot never reached /init; console: ${consoleLog}`);
    return { initMs, exitMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
