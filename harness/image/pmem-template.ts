import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { imagesDir } from '../paths.js';
import { buildQemuArgv, DEFAULT_PMEM_MIB, type Accel, type FsType, type PmemBackend } from '../qemu/args.js';
import { BootError } from '../errors.js';
import { freePort } from '../qemu/ports.js';

// A pmem backing file whose label area, fsdax namespace and fresh filesystem
// were made once by the guest itself (vfslab.mode=template). Each run boots a
// sparse copy with vfslab.prepared=1 and skips ndctl and mkfs (about 0.7 s
// under TCG). memmap pmem lives in guest RAM, so it has no template.
export const templateBackends: readonly PmemBackend[] = ['nvdimm', 'virtio'];

export interface TemplateRequest {
  qemu: string;
  kernel: string;
  initrd: string;
  initrdHash: string;
  accel: Accel;
  pmem: PmemBackend;
  fs: FsType;
  sizeMiB?: number;
}

export const templateTimeoutMs = 90_000;

export function templateKey(r: TemplateRequest, kernelBytes: Buffer): string {
  return createHash('sha256')
    .update(kernelBytes)
    .update(`\n${r.initrdHash}\n${r.pmem}\n${r.fs}\n${r.sizeMiB ?? DEFAULT_PMEM_MIB}\n`)
    .digest('hex')
    .slice(0, 16);
}

/** Path of the template for this kernel, image, backend and fs; made if missing. */
export async function ensurePmemTemplate(r: TemplateRequest, log: (s: string) => void): Promise<string> {
  const key = templateKey(r, await readFile(r.kernel));
  const dir = path.join(imagesDir, 'pmem');
  const out = path.join(dir, `${r.pmem}-${r.fs}-${key}.img`);
  if (existsSync(out)) return out;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(dir, '.make-'));
  const img = path.join(work, 'pmem.img');
  const consoleLog = path.join(work, 'console.log');
  try {
    log(`pmem: preparing a ${r.pmem}/${r.fs} template (one boot, cached under images/pmem)`);
    await execa('truncate', ['-s', `${r.sizeMiB ?? DEFAULT_PMEM_MIB}M`, img]);
    const [bin, ...args] = buildQemuArgv({
      qemu: r.qemu,
      kernel: r.kernel,
      initrd: r.initrd,
      accel: r.accel,
      pmem: r.pmem,
      pmemFile: img,
      pmemSizeMiB: r.sizeMiB,
      fs: r.fs,
      dax: 'always',
      // Template mode starts no sshd, but init brings up the NIC; a clash only costs a retry of set-up.
      sshPort: await freePort(),
      consoleLog,
      authorizedKeyB64: Buffer.from('none').toString('base64'),
      extraCmdline: ['vfslab.mode=template'],
    });
    // Template mode powers off by itself; the timeout kills a wedged guest.
    const run = await execa(bin!, args, {
      reject: false,
      timeout: templateTimeoutMs,
      killSignal: 'SIGKILL',
    });
    const text = existsSync(consoleLog) ? await readFile(consoleLog, 'utf8') : '';
    if (!text.includes('VFSLAB-TEMPLATE-DONE')) {
      throw new BootError(
        `making the ${r.pmem}/${r.fs} pmem template failed (QEMU ${run.timedOut ? 'timed out' : `exited ${run.exitCode}`}${run.stderr ? `: ${run.stderr.trim()}` : ''})`,
        text.split('\n').slice(-40).join('\n'),
      );
    }
    await rename(img, out);
    // Templates of older images for this backend and fs will not be used again.
    for (const f of await readdir(dir)) {
      if (f.startsWith(`${r.pmem}-${r.fs}-`) && path.join(dir, f) !== out) await rm(path.join(dir, f), { force: true });
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A fresh per-run copy; sparse, so 512 MiB of mostly holes copies in milliseconds. */
export async function copyPmemTemplate(template: string, dest: string): Promise<void> {
  await execa('cp', ['--sparse=always', template, dest]);
}
