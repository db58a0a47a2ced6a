// Page faults on the mapDirect profile (guest/patches/0002): a revoked
// MAP_DIRECT mapping (map_direct_fault after map_direct_invalidate) gets
// SIGBUS on every access; a write fault through any shared mapping of a
// file with MAP_DIRECT leases that has to allocate or convert the block
// (ext4_iomap_fault_break_layout / xfs_direct_write_iomap_begin with
// IOMAP_FAULT) starts the break without waiting and gets SIGBUS
// (dax_fault_return of -EWOULDBLOCK). A write fault that allocates with no
// such lease leaves the block written.

import type { KState } from './state.js';
import type { Mapping } from './mm-state.js';
import { PAGE } from './mm-state.js';
import { breakLayouts, hasLayoutLease, mdValid } from './map-direct.js';
import { isWritten, mapDirectOn, noteWritten } from './map-direct-blocks.js';

/** Why an access to m is refused because its MAP_DIRECT mapping was revoked, else null. */
export function mdRevoked(s: KState, m: Mapping): string | null {
  if (m.direct === undefined || mdValid(s, m.direct)) return null;
  return `${m.name} is a revoked MAP_DIRECT mapping -> SIGBUS BUS_ADRERR (map_direct_fault: MAPDIRECT_VALID clear)`;
}

/** A store to `page` of shared file mapping m that passed the generic checks: SIGBUS reason, or null (and the block is now written). */
export function mdStoreFault(s: KState, m: Mapping, page: number): string | null {
  if (!mapDirectOn(s) || m.ino === null || !m.shared) return null;
  const block = m.pgoff / PAGE + page;
  if (isWritten(s, m.ino, block)) return null;
  if (hasLayoutLease(s.inodes.get(m.ino))) {
    breakLayouts(s, m.ino, `a write fault allocating block ${block}`);
    return `store to ${m.name}: block ${block} is a hole or unwritten, and the file has MAP_DIRECT leases: the allocating fault breaks them without waiting and fails -> SIGBUS BUS_ADRERR`;
  }
  noteWritten(s, m.ino, block * PAGE, 1);
  return null;
}
