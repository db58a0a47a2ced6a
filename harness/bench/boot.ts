// Boot stages and SSH latency against the floor measured in the same run
// (same kernel, busybox initramfs powering off from /init).
import { launchGuest } from '../launch.js';
import { ensureFloorInitramfs } from '../image/build.js';
import { resolveBootImages } from '../image/resolve.js';
import type { Accel } from '../qemu/args.js';
import { runFloor } from './floor.js';

export type Samples = Record<string, number[]>;

export async function benchBoot(opts: { accel: Accel; runs: number; commands: number; log: (s: string) => void }): Promise<Samples> {
  const qemu = 'qemu-system-x86_64';
  const images = await resolveBootImages('stock', opts.log);
  const floorInitrd = await ensureFloorInitramfs();
  const samples: Samples = {};
  const add = (k: string, v: number | undefined): void => {
    if (v !== undefined && Number.isFinite(v)) (samples[k] ??= []).push(v);
  };
  // Warm the pmem template and the page cache outside the measured runs.
  await (await launchGuest({ log: opts.log, accel: opts.accel })).guest.shutdown();
  for (let i = 0; i < opts.runs; i++) {
    const floor = await runFloor(qemu, images.kernelPath, floorInitrd, opts.accel);
    add('floor: QEMU start to /init', floor.initMs);
    add('floor: QEMU start to exit', floor.exitMs);
    const { guest } = await launchGuest({ accel: opts.accel });
    try {
      const at = (name: string): number | undefined => guest.stages.find((s) => s.name === name)?.ms;
      // quiet hides the kernel's "Run /init"; init's first marker stands in for it.
      add('guest: QEMU start to /init', at('run-init') ?? at('stage:init'));
      add('guest: QEMU start to pmem mounted', at('stage:mounted'));
      add('guest: QEMU start to VFSLAB-READY', at('ready'));
      add('guest: QEMU start to SSH ready', at('ssh-ready'));
      for (let c = 0; c < opts.commands; c++) {
        const t0 = performance.now();
        await guest.exec('true');
        add('ssh: command on the open connection', performance.now() - t0);
      }
    } finally {
      await guest.shutdown();
    }
    opts.log(`boot run ${i + 1}/${opts.runs} done`);
  }
  return samples;
}
