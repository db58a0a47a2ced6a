// Memory-mapping state (mm/mmap.c VMAs, reduced to what a scenario can see):
// each process's named mappings, the private (COW or anonymous) pages it
// owns, shared anonymous memory, and the page-cache bytes a store left past
// EOF in a file's last page. Plain data, cloned per search state. Kept apart
// from state.ts so the core state file only gains one optional field.

export const PAGE = 4096;

/** One scenario mapping (a VMA, possibly split by partial munmap). */
export interface Mapping {
  name: string;
  /** The struct file the VMA holds a reference on (vma->vm_file), or null for anonymous memory. */
  file: number | null;
  ino: number | null;
  /** Shared anonymous memory object (MAP_SHARED|MAP_ANONYMOUS), else null. */
  shmem: number | null;
  /** Length asked for in bytes; the VMA covers ceil(len / PAGE) pages. */
  len: number;
  pages: number;
  /** File offset of page 0 (bytes, page aligned). */
  pgoff: number;
  prot: number;
  shared: boolean;
  /** VM_SYNC (MAP_SYNC accepted). */
  sync: boolean;
  /** VM_MAPDIRECT: the map_direct_state (MdState.maps) this VMA shares, shared with fork/split copies. */
  direct?: number;
  /** Page indexes munmap removed. */
  unmapped: number[];
  /** Step id of the mmap (a later mmap may reuse a hole's addresses). */
  createdAt: number;
  /** Step id of the last partial munmap, or -1. */
  holeAt: number;
  /** Private pages of this process: page index -> PAGE bytes (one char each). */
  priv: Record<number, string>;
}

export interface MmState {
  /** Process name -> its mappings. */
  procs: Record<string, Mapping[]>;
  /** Shared anonymous objects: id -> bytes written so far (zero beyond). */
  shmem: Record<number, string>;
  nextShmem: number;
  /**
   * Per inode: bytes stored through a shared mapping past EOF in the last
   * page (page cache or DAX block), valid while i_size is `size`.
   */
  tails: Record<number, { size: number; bytes: Record<number, number> }>;
}

export function emptyMm(): MmState {
  return { procs: {}, shmem: {}, nextShmem: 1, tails: {} };
}

export function cloneMapping(m: Mapping): Mapping {
  return {
    name: m.name, file: m.file, ino: m.ino, shmem: m.shmem, len: m.len, pages: m.pages, pgoff: m.pgoff, prot: m.prot,
    shared: m.shared, sync: m.sync, unmapped: m.unmapped.slice(), createdAt: m.createdAt, holeAt: m.holeAt, priv: { ...m.priv },
    ...(m.direct === undefined ? {} : { direct: m.direct }),
  };
}

export function cloneMm(mm: MmState): MmState {
  const procs: Record<string, Mapping[]> = {};
  for (const [k, v] of Object.entries(mm.procs)) procs[k] = v.map(cloneMapping);
  const tails: MmState['tails'] = {};
  for (const [k, v] of Object.entries(mm.tails)) tails[Number(k)] = { size: v.size, bytes: { ...v.bytes } };
  return { procs, shmem: { ...mm.shmem }, nextShmem: mm.nextShmem, tails };
}
