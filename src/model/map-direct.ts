// The mapDirect profile feature (guest/patches/0002, docs/patches.md
// "0002 mapDirect"): mmap(MAP_SHARED_VALIDATE | MAP_DIRECT) of a DAX file
// takes an FL_LAYOUT F_RDLCK lease on the mapped struct file, owned by the
// mapping (fs/mapdirect.c map_direct_setup). Block-map changes break it
// (map-direct-break.ts); lease-break-time later the mapping is revoked and
// the lease removed (map_direct_invalidate, a hidden step here); the last
// VMA of the mapping going removes it at once (map_direct_vm_close).
//
// The lease lives in inode.leases next to F_SETLEASE leases (it is on the
// same flc_lease list): F_GETLEASE and generic_add_lease see it, open() and
// time_out_leases do not (lease.ts skips leases with `layout`).

import { F, O } from '../scenario/flags.js';
import type { Inode, KState, Lease, OpenFile, Proc } from './state.js';
import { clone } from './state.js';
import { leaseModify } from './lease.js';
import { mayLease, ownerCred, uidOf } from './cred.js';
import { POLL_MSG, sendSigio } from './sigio.js';
import { mdOf } from './map-direct-blocks.js';
import { expiry } from './lease.js';
import type { ModelOptions } from './options.js';

export { mapDirectOn } from './map-direct-blocks.js';

/** MAP_DIRECT in guest/patches/0002's include/uapi/asm-generic/mman-common.h. */
export const MAP_DIRECT = 0x200000;
/** si_fd of a MAP_DIRECT break: the patch registers fa_fd -1 (do_mmap has no fd). */
export const MD_SI_FD = -1;

export function layoutLeases(inode: Inode): Lease[] {
  return inode.leases.filter((l) => l.layout !== undefined);
}

export function hasLayoutLease(inode: Inode | undefined): boolean {
  return inode !== undefined && inode.leases.some((l) => l.layout !== undefined);
}

/**
 * map_direct_setup -> vfs_setlease(F_RDLCK) with an FL_LAYOUT lease, after
 * the filesystem's EPERM check (mm-validate.ts). Returns the new mapping id
 * or an errno. generic_setlease: EACCES for a non-owner without CAP_LEASE;
 * generic_add_lease (time_out_leases already applied by applyStep): EAGAIN
 * while any lease of the inode is FL_UNLOCK_PENDING, EINVAL with
 * fs.leases-enable=0. lm_setup: fasync entry with fa_fd -1 (FASYNC set),
 * __f_setown(current tgid) if the file has no owner.
 */
export function setupMapDirect(s: KState, p: Proc, f: OpenFile): { id: number } | { errno: number } {
  const md = mdOf(s);
  if (!md) throw new Error('setupMapDirect without the mapDirect feature');
  if (!mayLease(p)) {
    s.why.push(`MAP_DIRECT by ${p.name} (uid ${uidOf(p)}): not the inode's owner and no CAP_LEASE -> EACCES (vfs_setlease -> generic_setlease)`);
    return { errno: 13 };
  }
  const inode = s.inodes.get(f.ino)!;
  if (inode.leases.some((l) => l.unlockPending)) {
    s.why.push('MAP_DIRECT while a lease of the file is being broken for a writer (FL_UNLOCK_PENDING) -> EAGAIN (generic_add_lease)');
    return { errno: 11 };
  }
  if (s.sysctl.leasesEnable === 0) {
    s.why.push('MAP_DIRECT with fs.leases-enable=0 -> EINVAL (generic_add_lease)');
    return { errno: 22 };
  }
  const id = md.next++;
  md.maps[id] = { file: f.id, ino: f.ino, valid: true };
  inode.leases.push({ file: f.id, type: F.RDLCK as 0, unlockPending: false, downgradePending: false, breakAt: null, downgradeAt: null, faFd: MD_SI_FD, layout: id });
  f.flags |= O.ASYNC; // fasync_insert_entry sets FASYNC
  s.why.push(`MAP_DIRECT: FL_LAYOUT F_RDLCK lease #${id} on file#${f.id}, fasync fa_fd -1, O_ASYNC set (map_direct_lm_setup)`);
  if (f.owner.id === null) {
    f.owner = { type: 'tgid', id: p.pid, signum: f.owner.signum, ...ownerCred(p) }; // __f_setown(..., PIDTYPE_TGID, force=0)
    s.why.push(`map_direct_lm_setup: no owner yet, F_SETOWN becomes ${p.name}`);
  }
  return { id };
}

/** Whether faults on VMAs of mapping `id` are served (MAPDIRECT_VALID). */
export function mdValid(s: KState, id: number): boolean {
  return s.md?.maps[id]?.valid === true;
}

function leaseOf(s: KState, id: number): { inode: Inode; lease: Lease } | null {
  const m = s.md?.maps[id];
  const inode = m ? s.inodes.get(m.ino) : undefined;
  const lease = inode?.leases.find((l) => l.layout === id);
  return inode && lease ? { inode, lease } : null;
}

/**
 * map_direct_vm_close: a VMA of mapping `id` went (munmap of all of it,
 * exit, exec), before its file reference is dropped. The last one cancels
 * the revocation timer and removes the lease (lease_modify F_UNLCK: the
 * file's owner, F_SETSIG and O_ASYNC are cleared; breakers wake).
 */
export function mdVmaGone(s: KState, id: number): void {
  const md = s.md;
  if (!md?.maps[id]) return;
  for (const maps of Object.values(s.mm?.procs ?? {})) if (maps.some((m) => m.direct === id)) return;
  const held = leaseOf(s, id);
  delete md.maps[id];
  if (held) {
    s.why.push(`last VMA of MAP_DIRECT mapping #${id} gone: its lease is removed at once (map_direct_vm_close), clearing the file's owner, F_SETSIG and O_ASYNC`);
    leaseModify(s, held.inode, held.lease, F.UNLCK);
  }
}

/**
 * Breaks every MAP_DIRECT lease of the inode that is not already being
 * broken (__break_lease with an FL_LAYOUT breaker -> map_direct_lm_break):
 * FL_UNLOCK_PENDING, the revocation timer set to lease-break-time (read
 * now; 0 or less: at once), SIGIO / F_SETSIG signal with POLL_MSG and
 * si_fd -1 to the file's owner. Returns whether any layout lease remains.
 */
export function breakLayouts(s: KState, ino: number, by: string): boolean {
  const inode = s.inodes.get(ino);
  if (!inode) return false;
  const at = s.clock + Math.max(s.sysctl.leaseBreakTime, 0) * 1000;
  for (const l of layoutLeases(inode)) {
    if (l.unlockPending) continue;
    l.unlockPending = true;
    l.breakAt = at;
    s.why.push(`${by} breaks MAP_DIRECT lease #${l.layout}: FL_UNLOCK_PENDING, revocation in ${Math.max(s.sysctl.leaseBreakTime, 0)}s; map_direct_lm_break -> kill_fasync(SIGIO, POLL_MSG), si_fd -1`);
    const f = s.files.get(l.file);
    if (f) sendSigio(s, f, l.faFd, POLL_MSG);
  }
  return hasLayoutLease(s.inodes.get(ino));
}

/**
 * map_direct_invalidate for the lease of mapping l.layout: the mapping is
 * revoked (every later fault SIGBUS; the VMAs stay) and the lease removed,
 * which wakes the breakers.
 */
export function invalidate(s: KState, inode: Inode, l: Lease): void {
  const m = s.md?.maps[l.layout!];
  if (m) m.valid = false;
  s.why.push(`lease-break-time after the break: MAP_DIRECT mapping #${l.layout} revoked (faults SIGBUS from now on) and its lease removed (map_direct_invalidate)`);
  leaseModify(s, inode, l, F.UNLCK);
}

/** Runs the revocations whose deadline `passed` says has come. */
export function expireLayouts(s: KState, ino: number, passed: (at: number) => boolean): void {
  const inode = s.inodes.get(ino);
  if (!inode) return;
  for (const l of layoutLeases(inode)) {
    if (l.unlockPending && l.breakAt !== null && passed(l.breakAt)) invalidate(s, inode, l);
  }
}

/**
 * Hidden step: the delayed work of every broken MAP_DIRECT lease runs at
 * its deadline whether or not anyone waits. A deadline that may have passed
 * branches (none of the uncertain ones yet, or all up to some point).
 */
export function mdHidden(s: KState, opts: ModelOptions): KState[] {
  if (!s.md) return [s];
  const ds: { ino: number; at: number }[] = [];
  for (const inode of s.inodes.values()) {
    for (const l of layoutLeases(inode)) if (l.unlockPending && l.breakAt !== null) ds.push({ ino: inode.ino, at: l.breakAt });
  }
  if (ds.length === 0) return [s];
  const forced = ds.filter((d) => expiry(d.at, s.clock, opts.expirySlackMs) === 'yes');
  const maybe = ds.filter((d) => expiry(d.at, s.clock, opts.expirySlackMs) === 'maybe').sort((a, b) => a.at - b.at);
  if (forced.length === 0 && maybe.length === 0) return [s];
  const apply = (list: { ino: number; at: number }[]): KState => {
    const t = clone(s);
    for (const d of list) expireLayouts(t, d.ino, (at) => at <= d.at);
    return t;
  };
  const out = [forced.length ? apply(forced) : s];
  for (let i = 0; i < maybe.length; i++) out.push(apply([...forced, ...maybe.slice(0, i + 1)]));
  return out;
}
