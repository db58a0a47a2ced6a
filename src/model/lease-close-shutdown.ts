// The leaseCloseShutdown profile feature (guest/patches/0001, docs/patches.md):
// a lease's break notification is registered to (descriptor table T, fd N),
// the table and number of the latest F_SETLEASE. When a descriptor of the
// leased open file is removed from T or replaced in it (filp_close after
// close, close-on-exec, dup2/dup3 over it, exit_files) and slot N of T no
// longer refers to that open file, the registration is shut down: the
// fasync entry goes (O_ASYNC cleared) and a break signals nobody. The lease
// itself is untouched. A stock profile never gets here.

import { O } from '../scenario/flags.js';
import type { KState, Lease, OpenFile, Proc } from './state.js';
import { hasFeature } from './profile.js';

export function closeShutdownOn(s: KState): boolean {
  return s.profile !== undefined && hasFeature(s.profile, 'leaseCloseShutdown');
}

/** The registration (T, N), or null once shut down. */
export function registration(l: Lease): { table: number; fd: number } | null {
  if (l.faShut || l.faTable === undefined) return null;
  return { table: l.faTable, fd: l.faFd };
}

/**
 * locks_lease_fd_closed(file, table of p), called after p's slot that held
 * `file` was cleared or replaced, before the reference is dropped.
 */
export function leaseFdClosed(s: KState, p: Proc, file: OpenFile): void {
  if (!closeShutdownOn(s)) return;
  const inode = s.inodes.get(file.ino);
  if (!inode) return;
  for (const l of inode.leases) {
    if (l.file !== file.id) continue;
    const reg = registration(l);
    if (!reg || reg.table !== p.table) continue; // another table (a fork child's copy) never matches
    if (p.fds[reg.fd]?.file === file.id) continue; // N still names the leased file (close of a dup M, dup2 of the same file)
    l.faShut = true;
    file.flags &= ~O.ASYNC; // fasync_helper(0, ...) clears FASYNC
    s.why.push(`leaseCloseShutdown: fd ${reg.fd} of ${p.name}'s table no longer refers to the leased file: notifications shut down, O_ASYNC cleared (locks_lease_fd_closed)`);
  }
}

/**
 * lease_setup on F_SETLEASE through fd of p: the registration becomes
 * (p's table, fd); after a shutdown, fasync_insert_entry creates the entry
 * again and sets FASYNC. On stock only the bookkeeping changes.
 */
export function leaseRegistered(l: Lease, p: Proc, fd: number, file: OpenFile): void {
  l.faFd = fd;
  l.faProc = p.name;
  l.faTable = p.table;
  if (l.faShut) {
    delete l.faShut;
    file.flags |= O.ASYNC;
  }
}

/** Whether lm_break's kill_fasync has an entry to signal through. */
export function breakNotifies(s: KState, l: Lease): boolean {
  if (!l.faShut) return true;
  s.why.push(`leaseCloseShutdown: the lease's notifications were shut down: the break signals nobody (kill_fasync on an empty list)`);
  return false;
}
