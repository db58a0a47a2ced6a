import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { imagesDir } from '../paths.js';
import { InputError, KernelMissingError } from '../errors.js';
import { readManifest, type InitramfsEntry, type KernelEntry } from './manifest.js';
import { ensureInitramfs } from './build.js';

export interface BootImages {
  kernelPath: string;
  initrdPath: string;
  initrdHash: string;
  /** The manifest's entry for a named kernel; undefined for a user's bzImage. */
  kernel?: KernelEntry;
}

/**
 * `--kernel stock` (or another manifest name) or a path to a bzImage. A user's
 * kernel boots with the stock initramfs: guest/init skips modprobe when the
 * image has no modules for that release, so such a kernel needs our fragment's
 * built-ins.
 */
export async function resolveBootImages(kernelArg: string, log: (s: string) => void): Promise<BootImages> {
  const manifest = await readManifest();
  const stock = manifest.kernels['stock'];
  if (!stock || !existsSync(path.join(imagesDir, stock.vmlinuz))) {
    throw new KernelMissingError(path.join(imagesDir, 'kernels'), 'kernel');
  }
  const looksLikePath = kernelArg.includes('/') || existsSync(kernelArg);
  const named = looksLikePath ? undefined : manifest.kernels[kernelArg];
  if (!looksLikePath && !named) {
    const names = Object.keys(manifest.kernels).join('|');
    throw new InputError('--kernel', `no kernel named '${kernelArg}' in images/manifest.json`, `${names} or a path to a bzImage`);
  }
  if (looksLikePath && !existsSync(kernelArg)) throw new KernelMissingError(kernelArg, 'kernel');
  if (looksLikePath) checkBzImage(kernelArg);
  // The initramfs carries the stock kernel's modules (the one it was built for).
  const initramfs: InitramfsEntry = await ensureInitramfs(stock, log);
  return {
    kernelPath: named ? path.join(imagesDir, named.vmlinuz) : path.resolve(kernelArg),
    initrdPath: path.join(imagesDir, initramfs.file),
    initrdHash: initramfs.hash,
    kernel: named,
  };
}

/**
 * A user's kernel must be an x86 boot image: the setup header's "HdrS" magic
 * at 0x202 (Documentation/x86/boot.rst). Anything else (a vmlinux, a
 * truncated or corrupt file) would only show as a guest that never prints a
 * byte, after the whole boot timeout.
 */
export function checkBzImage(file: string): void {
  const valid = 'a bzImage, e.g. arch/x86/boot/bzImage of a built tree';
  if (!statSync(file).isFile()) throw new InputError('--kernel', `${file} is not a file`, valid);
  const buf = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 4, 0x202);
  } finally {
    closeSync(fd);
  }
  if (buf.toString('latin1') !== 'HdrS') throw new InputError('--kernel', `${file} is not an x86 boot image (no "HdrS" header at 0x202: corrupt, truncated or a vmlinux)`, valid);
}
