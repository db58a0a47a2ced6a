// struct file lifetime and fd tables (fs/file.c, fs/file_table.c, fs/open.c):
// lowest-free fd allocation, fd_install, close_fd, and the last fput, which
// drops the inode's reader/writer counts and removes the file's leases
// (__fput -> locks_remove_file -> lease_modify(F_UNLCK), SG-07).

import type { FdEntry, KState, OpenFile, Proc } from './state.js';
import { removeLeasesOf } from './lease.js';
import { fanClosed } from './fanotify-hooks.js';
import { releaseGroup } from './fanotify-group.js';
import { fanPinsInode } from './fanotify-event.js';
import { inodeUnused } from './dax.js';
import { leaseFdClosed } from './lease-close-shutdown.js';
import { Unmodelled } from './unmodelled.js';

/** Lowest free fd >= min (fs/file.c alloc_fd / find_next_fd). */
export function lowestFreeFd(p: Proc, min = 0, reserved: number[] = []): number {
  for (let fd = min; ; fd++) {
    if (!p.fds[fd] && !reserved.includes(fd)) return fd;
  }
}

/** fds reserved by this process's own blocked open (get_unused_fd_flags before the open). */
export function reservedFds(p: Proc): number[] {
  return p.status.k === 'blocked' ? [p.status.wait.fd] : [];
}

export function fileOfFd(s: KState, p: Proc, fd: number): OpenFile | undefined {
  const e = fd >= 0 ? p.fds[fd] : undefined;
  return e ? s.files.get(e.file) : undefined;
}

export function installFd(s: KState, p: Proc, fd: number, file: OpenFile, cloexec: boolean): void {
  // Only rlimit.ts callers check a lowered RLIMIT_NOFILE; anything else reaching it is not modelled.
  if (p.nofile !== undefined && fd >= p.nofile) throw new Unmodelled(`fd ${fd} at or above ${p.name}'s RLIMIT_NOFILE ${p.nofile}`);
  while (p.fds.length <= fd) p.fds.push(null);
  const e: FdEntry = { file: file.id, cloexec };
  p.fds[fd] = e;
  file.refs++;
  if (!s.files.has(file.id)) s.files.set(file.id, file);
}

/** close_fd: EBADF if not open, else removes the entry and fputs the file. */
export function closeFd(s: KState, p: Proc, fd: number): boolean {
  const e = fd >= 0 ? p.fds[fd] : undefined;
  if (!e) return false;
  p.fds[fd] = null;
  filpClose(s, p, e.file);
  return true;
}

/**
 * do_dup2: the slot takes `file` first, then the file it held (if any) is
 * closed, so filp_close sees the slot's new contents. Returns whether fd was open.
 */
export function replaceFd(s: KState, p: Proc, fd: number, file: OpenFile, cloexec: boolean): boolean {
  const e = fd >= 0 ? p.fds[fd] : undefined;
  installFd(s, p, fd, file, cloexec);
  if (!e) return false;
  filpClose(s, p, e.file);
  return true;
}

/** filp_close after p's slot changed: the lease-notification check (a profile feature), then fput. */
function filpClose(s: KState, p: Proc, id: number): void {
  const f = s.files.get(id);
  if (f) leaseFdClosed(s, p, f);
  fput(s, id, p.name);
}

/** Drops one reference; the last one releases the file (__fput). */
export function fput(s: KState, id: number, closer?: string): void {
  const f = s.files.get(id);
  if (!f) return;
  f.refs--;
  if (f.refs > 0) return;
  s.files.delete(id);
  releaseFile(s, f, closer);
}

/** __fput effects on the inode: leases first (SG-08 order), then access counts. */
export function releaseFile(s: KState, f: OpenFile, closer?: string): void {
  if (f.kind === 'fanotify' && f.group !== undefined) releaseGroup(s, f.group); // fanotify_release
  if (f.kind !== 'reg' && f.kind !== 'dir') return;
  if (closer !== undefined) fanClosed(s, closer, f); // fsnotify_close, in the last closer's context
  removeLeasesOf(s, f);
  const ino = s.inodes.get(f.ino);
  if (!ino) return;
  if (f.read && !f.write) ino.readcount--;
  if (f.write) ino.writecount--;
  inodeUnused(s, f.ino); // an I_DONTCACHE inode is evicted now (S_DAX re-decided)
  gcInode(s, f.ino);
}

/** An unlinked inode disappears when nothing holds it open. */
export function gcInode(s: KState, ino: number): void {
  const i = s.inodes.get(ino);
  if (!i || i.nlink > 0) return;
  for (const f of s.files.values()) if (f.ino === ino && (f.kind === 'reg' || f.kind === 'dir')) return;
  for (const p of s.procs) if (p.status.k === 'blocked' && p.status.wait.ino === ino) return;
  if (fanPinsInode(s, ino)) return; // queued fanotify events hold the dentry
  s.inodes.delete(ino);
}

export function newFile(s: KState, init: Omit<OpenFile, 'id' | 'refs' | 'owner' | 'pos'>): OpenFile {
  return { ...init, id: s.nextFile++, refs: 0, pos: 0, owner: { type: 'pid', id: null, signum: 0 } };
}
