// mmap(2) argument checks in Linux 6.1 order (MS-01..04, MS-07, MS-10):
// arch sys_mmap (offset alignment), ksys_mmap_pgoff (fget, MAP_HUGETLB),
// do_mmap (length, MAP_FIXED_NOREPLACE, then for a file: flag validation
// against LEGACY_MAP_MASK | f_op->mmap_supported_flags, FMODE_WRITE for a
// shared writable mapping, FMODE_READ, f_op->mmap present), then the
// filesystem's ->mmap (ext4_file_mmap / xfs_file_mmap: daxdev_mapping_supported
// refuses VM_SYNC unless the inode is DAX on a synchronous device).
//
// Note: VM_SYNC comes from calc_vm_flag_bits() on the caller's flags before
// the MAP_SHARED case masks them, so MAP_SHARED|MAP_SYNC and
// MAP_PRIVATE|MAP_SYNC also reach the ->mmap check.

import type { Op } from '../scenario/ast.js';
import type { KState, OpenFile, Proc } from './state.js';
import { PAGE } from './mm-state.js';
import { isDax } from './dax.js';
import { daxSynchronous, describeGuest, fsSupportsMapSync, type GuestEnv } from './guest-env.js';
import { Unmodelled } from './unmodelled.js';
import { MAP_DIRECT, mapDirectOn } from './map-direct.js';

export const MAP = {
  SHARED: 0x1, PRIVATE: 0x2, SHARED_VALIDATE: 0x3, TYPE: 0xf, FIXED: 0x10, ANONYMOUS: 0x20, GROWSDOWN: 0x100,
  HUGETLB: 0x40000, SYNC: 0x80000, FIXED_NOREPLACE: 0x100000,
} as const;

export const PROT = { READ: 1, WRITE: 2, EXEC: 4 } as const;

/** include/linux/mman.h LEGACY_MAP_MASK with the x86_64 values. */
export const LEGACY_MAP_MASK =
  0x1 | 0x2 | 0x10 | 0x20 | 0x800 /* DENYWRITE */ | 0x1000 /* EXECUTABLE */ | 0x4000000 /* UNINITIALIZED */ |
  0x100 /* GROWSDOWN */ | 0x2000 /* LOCKED */ | 0x4000 /* NORESERVE */ | 0x8000 /* POPULATE */ | 0x10000 /* NONBLOCK */ |
  0x20000 /* STACK */ | 0x40000 /* HUGETLB */ | 0x40 /* 32BIT */ | (21 << 26) /* HUGE_2MB */ | (30 << 26) /* HUGE_1GB */;

export type MmapVerdict =
  | { ok: false; errno: number }
  | { ok: true; file: OpenFile | null; shared: boolean; sync: boolean; direct?: true };

type MmapOp = Extract<Op, { kind: 'mmap' }>;

export function checkMmap(s: KState, p: Proc, op: MmapOp, file: OpenFile | undefined, g: GuestEnv): MmapVerdict {
  const fail = (errno: number, why: string): MmapVerdict => {
    s.why.push(`mmap: ${why}`);
    return { ok: false, errno };
  };
  const flags = op.flags >>> 0;
  if (op.offset % PAGE !== 0) return fail(22, 'offset not page aligned -> EINVAL (sys_mmap, before the fd is looked up)');
  const anon = (flags & MAP.ANONYMOUS) !== 0;
  if (!anon) {
    if (!file || file.kind === 'path') return fail(9, 'fget() finds no file for the fd (closed, or O_PATH) -> EBADF');
    if (file.kind === 'stdio') throw new Unmodelled('mmap of the runner\'s /dev/null');
    if (file.kind !== 'reg' && file.kind !== 'dir') throw new Unmodelled(`mmap of a ${file.kind} file`);
    if (flags & MAP.HUGETLB) return fail(22, 'MAP_HUGETLB on a file that is not hugetlbfs -> EINVAL (ksys_mmap_pgoff)');
  } else if (flags & MAP.HUGETLB) {
    throw new Unmodelled('anonymous MAP_HUGETLB (depends on the hugepage pool)');
  }
  if (op.length === 0) return fail(22, 'length 0 -> EINVAL');
  if (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) {
    // The runner passes addr NULL: the range [0, len) is free, and mapping
    // page 0 needs CAP_SYS_RAWIO (cap_mmap_addr) before any flag check.
    if (p.uid !== undefined && p.uid !== 0) throw new Unmodelled('MAP_FIXED at address 0 without CAP_SYS_RAWIO');
    const rejected = !anon && (flags & MAP.TYPE) === MAP.SHARED_VALIDATE && (flags & MAP.FIXED_NOREPLACE) !== 0;
    if (!rejected) throw new Unmodelled('MAP_FIXED / MAP_FIXED_NOREPLACE that would map address 0');
  }
  const type = flags & MAP.TYPE;
  const sync = (flags & MAP.SYNC) !== 0; // calc_vm_flag_bits, on the unmasked flags
  if (anon) {
    if (type === MAP.SHARED) return { ok: true, file: null, shared: true, sync };
    if (type === MAP.PRIVATE) return { ok: true, file: null, shared: false, sync };
    return fail(22, `anonymous mapping with type 0x${type.toString(16)} (only MAP_SHARED or MAP_PRIVATE) -> EINVAL`);
  }
  const f = file!;
  const reg = f.kind === 'reg';
  // mapDirect (guest/patches/0002): ext4 and xfs files list MAP_DIRECT in
  // mmap_supported_flags, and do_mmap refuses it with MAP_PRIVATE first.
  const md = mapDirectOn(s);
  if (md && (flags & MAP_DIRECT) && type === MAP.PRIVATE) return fail(22, 'MAP_PRIVATE|MAP_DIRECT: a private copy has no block map to lease -> EINVAL (do_mmap, mapDirect)');
  const supported = (reg && fsSupportsMapSync(g) ? MAP.SYNC : 0) | (reg && md ? MAP_DIRECT : 0);
  const mask = LEGACY_MAP_MASK | supported;
  if (type === MAP.SHARED || type === MAP.SHARED_VALIDATE) {
    const checked = type === MAP.SHARED ? flags & LEGACY_MAP_MASK : flags;
    if ((checked & ~mask) !== 0) {
      const bad = checked & ~mask;
      return fail(95, `MAP_SHARED_VALIDATE with flags 0x${bad.toString(16)} outside LEGACY_MAP_MASK|mmap_supported_flags(${supported ? [supported & MAP.SYNC ? 'MAP_SYNC' : '', supported & MAP_DIRECT ? 'MAP_DIRECT' : ''].filter(Boolean).join('|') : 'none'}) -> EOPNOTSUPP (checked before the access mode)`);
    }
    if ((op.prot & PROT.WRITE) && !f.write) return fail(13, 'shared PROT_WRITE mapping of a file not open for writing -> EACCES');
    if (type === MAP.SHARED && flags !== checked) s.why.push(`mmap: MAP_SHARED drops flags 0x${(flags & ~LEGACY_MAP_MASK).toString(16)} unchecked`);
  } else if (type !== MAP.PRIVATE) {
    return fail(22, `mapping type 0x${type.toString(16)} -> EINVAL`);
  }
  if (!f.read) return fail(13, 'file not open for reading -> EACCES');
  if (f.kind === 'dir') return fail(19, 'a directory has no f_op->mmap -> ENODEV');
  if (flags & MAP.GROWSDOWN) return fail(22, 'MAP_GROWSDOWN on a file -> EINVAL');
  const node = s.inodes.get(f.ino)!;
  if (sync) {
    if (!isDax(node)) return fail(95, `VM_SYNC on an inode without S_DAX (${describeGuest(g)}) -> EOPNOTSUPP (daxdev_mapping_supported)`);
    if (!daxSynchronous(g)) return fail(95, `VM_SYNC on a DAX inode of an asynchronous dax device (${g.pmem}: ND_REGION_ASYNC) -> EOPNOTSUPP`);
    s.why.push(`mmap: MAP_SYNC on a DAX inode of a synchronous device (${g.pmem}) -> VM_SYNC mapping`);
  }
  // VM_MAPDIRECT is set only for MAP_SHARED_VALIDATE (MAP_SHARED dropped the bit above).
  if (md && type === MAP.SHARED_VALIDATE && (flags & MAP_DIRECT)) {
    if (!isDax(node)) return fail(1, `MAP_DIRECT on an inode without S_DAX (${describeGuest(g)}) -> EPERM (ext4_file_mmap / xfs_file_mmap)`);
    return { ok: true, file: f, shared: true, sync, direct: true };
  }
  return { ok: true, file: f, shared: type !== MAP.PRIVATE, sync };
}
