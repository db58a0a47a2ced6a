// Which 4 KiB blocks of a file are allocated and written (mapDirect profile
// only): a write fault on any other block of a DAX file (a hole, or an
// unwritten extent from fallocate) has to allocate or convert it, which is
// what breaks MAP_DIRECT leases (guest/patches/0002: ext4_iomap_begin /
// xfs_direct_write_iomap_begin with IOMAP_FAULT). DAX needs blocksize ==
// PAGE_SIZE (DX-04), so a block is a page.
//
// What makes a block written: write(2) over it (DAX writes allocate exactly
// the blocks they touch), a store through a shared mapping that faulted it
// in. What frees one: truncate below it, FALLOC_FL_PUNCH_HOLE covering all
// of it. fallocate's allocations are unwritten extents: not written.

import type { KState } from './state.js';
import type { MdState } from './map-direct-state.js';
import { PAGE } from './mm-state.js';
import { hasFeature } from './profile.js';

export function mapDirectOn(s: KState): boolean {
  return s.profile !== undefined && hasFeature(s.profile, 'mapDirect');
}

/** The feature's state, created on first use; null on a profile without mapDirect. */
export function mdOf(s: KState): MdState | null {
  if (!mapDirectOn(s)) return null;
  s.md ??= { next: 1, maps: {}, written: {} };
  return s.md;
}

export function isWritten(s: KState, ino: number, block: number): boolean {
  return s.md?.written[ino]?.includes(block) === true;
}

/** write(2) of n > 0 bytes at `at`, or a store's fault (n = 1). */
export function noteWritten(s: KState, ino: number, at: number, n: number): void {
  const b = mdOf(s);
  if (!b || n <= 0) return;
  const set = new Set(b.written[ino] ?? []);
  for (let i = Math.floor(at / PAGE); i <= Math.floor((at + n - 1) / PAGE); i++) set.add(i);
  b.written[ino] = [...set].sort((x, y) => x - y);
}

/** Blocks [first, end) freed (truncate, punch hole). */
export function noteFreed(s: KState, ino: number, first: number, end: number): void {
  const b = mdOf(s);
  const cur = b?.written[ino];
  if (!b || !cur) return;
  b.written[ino] = cur.filter((i) => i < first || i >= end);
}

/** i_size set to `size`: blocks wholly past it are freed (a grow frees nothing). */
export function noteSize(s: KState, ino: number, size: number): void {
  noteFreed(s, ino, Math.ceil(size / PAGE), Number.MAX_SAFE_INTEGER);
}

/** FALLOC_FL_PUNCH_HOLE over [off, off + len): only blocks wholly inside are freed. */
export function notePunched(s: KState, ino: number, off: number, len: number): void {
  noteFreed(s, ino, Math.ceil(off / PAGE), Math.floor((off + len) / PAGE));
}
