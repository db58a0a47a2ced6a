// From "which kernel, which pmem, which fs" to a running Guest: images,
// acceleration verdict, pmem template, boot. The CLI and the VM tests share it.
import { Guest, type GuestBootOptions } from './guest.js';
import { resolveBootImages, type BootImages } from './image/resolve.js';
import { ensurePmemTemplate, templateBackends } from './image/pmem-template.js';
import { resolveAccel, type AccelRequest } from './qemu/accel.js';
import type { DaxMode, FsType, PmemBackend } from './qemu/args.js';
import { nextLaunchFailure } from './test-seams.js';

export interface LaunchOptions extends Omit<GuestBootOptions, 'kernel' | 'initrd' | 'accel' | 'pmemTemplate'> {
  kernel?: string; // 'stock' (default), a manifest name, or a bzImage path
  accel?: AccelRequest;
  pmem?: PmemBackend;
  fs?: FsType;
  dax?: DaxMode;
  /** Prepare namespace and fs in the guest every boot instead of copying a template. */
  noTemplate?: boolean;
  log?: (line: string) => void;
}

export interface Launched {
  guest: Guest;
  images: BootImages;
}

export async function launchGuest(opts: LaunchOptions): Promise<Launched> {
  const log = opts.log ?? (() => {});
  const qemu = opts.qemu ?? 'qemu-system-x86_64';
  const images = await resolveBootImages(opts.kernel ?? 'stock', log);
  const accel = await resolveAccel(opts.accel ?? 'auto', { qemu, kernel: images.kernelPath, cacheFile: opts.accelCacheFile });
  const pmem = opts.pmem ?? 'nvdimm';
  const fs = opts.fs ?? 'ext4';
  const pmemTemplate =
    !opts.noTemplate && templateBackends.includes(pmem)
      ? await ensurePmemTemplate(
          { qemu, kernel: images.kernelPath, initrd: images.initrdPath, initrdHash: images.initrdHash, accel: accel.accel, pmem, fs, sizeMiB: opts.pmemSizeMiB },
          log,
        )
      : undefined;
  // Test seam: a launch made to fail is aborted once QEMU runs, as a caller's abort would be.
  const injected = nextLaunchFailure();
  const guest = await Guest.boot({
    ...opts,
    signal: injected === undefined ? opts.signal : AbortSignal.abort(injected),
    qemu,
    kernel: images.kernelPath,
    initrd: images.initrdPath,
    accel: accel.accel,
    pmem,
    fs,
    pmemTemplate,
  });
  return { guest, images };
}
