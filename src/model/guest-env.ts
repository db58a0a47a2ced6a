// The guest the model predicts for: pmem backend, filesystem and dax= mount
// mode (the checker's GuestFacts). DAX outcomes are derived from these, never
// written per setup. Without facts (`vfslab model`), the scenario's own setup
// is used and each `any` takes the harness default (nvdimm, ext4, dax=always).

import type { DaxMode, FsType, GuestSetup, PmemBackend } from '../scenario/ast.js';

export interface GuestEnv {
  pmem: PmemBackend;
  fs: FsType;
  dax: DaxMode;
}

export const DEFAULT_GUEST: GuestEnv = { pmem: 'nvdimm', fs: 'ext4', dax: 'always' };

const PMEMS: readonly string[] = ['nvdimm', 'memmap', 'virtio'];
const FSS: readonly string[] = ['ext4', 'xfs'];
const DAXES: readonly string[] = ['always', 'inode', 'never'];

/** Facts as the checker has them (strings), or the scenario's setup, over the defaults. */
export function guestEnv(setup: GuestSetup, facts?: { pmem: string; fs: string; dax: string }): GuestEnv {
  const pick = <T extends string>(fact: string | undefined, want: string, known: readonly string[], dflt: T): T => {
    if (fact !== undefined) {
      if (!known.includes(fact)) throw new Error(`unknown guest fact ${fact}; expected one of ${known.join(', ')}`);
      return fact as T;
    }
    return (want !== 'any' ? want : dflt) as T;
  };
  return {
    pmem: pick<PmemBackend>(facts?.pmem, setup.pmem, PMEMS, DEFAULT_GUEST.pmem),
    fs: pick<FsType>(facts?.fs, setup.fs, FSS, DEFAULT_GUEST.fs),
    dax: pick<DaxMode>(facts?.dax, setup.dax, DAXES, DEFAULT_GUEST.dax),
  };
}

/**
 * QUEUE_FLAG_DAX / fs_dax_get_by_bdev: every backend the guest offers is an
 * fsdax namespace (nvdimm with labels, memmap= e820 and virtio-pmem both via
 * `ndctl create-namespace -m fsdax`), so the block device is DAX capable
 * (DX-07). A non-DAX device is not a setup the harness can boot.
 */
export function bdevIsDax(_g: GuestEnv): boolean {
  return true;
}

/**
 * dax_synchronous(): pmem.c sets DAXDEV_SYNC unless the region is
 * ND_REGION_ASYNC, which only virtio_pmem.c sets (MS-07).
 */
export function daxSynchronous(g: GuestEnv): boolean {
  return bdevIsDax(g) && g.pmem !== 'virtio';
}

/** file_operations.mmap_supported_flags of a regular file: MAP_SYNC on ext4 and xfs (MS-04). */
export function fsSupportsMapSync(g: GuestEnv): boolean {
  return g.fs === 'ext4' || g.fs === 'xfs';
}

export function describeGuest(g: GuestEnv): string {
  return `pmem=${g.pmem} fs=${g.fs} dax=${g.dax}`;
}
