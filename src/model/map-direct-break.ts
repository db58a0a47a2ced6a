// Syscalls that change a file's block map break its MAP_DIRECT leases and
// wait until they are gone (guest/patches/0002): write/pwrite
// (ext4_dax_write_iter / xfs_file_write_checks), fallocate (ext4_fallocate /
// xfs_file_fallocate, any mode, after vfs_fallocate's checks), ftruncate and
// truncate (ext4_setattr / xfs_vn_setattr with ATTR_SIZE, also to the same
// size). The wait (break_layout(inode, true) with the inode lock dropped)
// ends when the last layout lease is removed (munmap of the mapping, or its
// revocation lease-break-time after the break), or with EINTR when a caught
// signal arrives, e.g. the breaker's own SIGIO when it owns the file.
// Then the syscall runs from the start of its filesystem part.

import type { WriteData } from '../scenario/ast.js';
import type { KState, OpenFile, Proc, StepResult } from './state.js';
import { breakLayouts, hasLayoutLease } from './map-direct.js';
import { conflicts } from './lease.js';
import * as io from './io.js';
import { truncateInode } from './vfs.js';
import { lookup } from './vfs.js';
import { Unmodelled } from './unmodelled.js';

/** What a blocked breaker does once no layout lease is left. */
export type MdContinuation =
  | { op: 'write'; file: number; data: WriteData; offset: number | null }
  | { op: 'fallocate'; file: number; mode: number; offset: number; length: number }
  | { op: 'ftruncate'; file: number; length: number }
  | { op: 'truncate'; ino: number; length: number };

export type MdBreak = null | 'blocked' | 'died' | StepResult;

function inoOf(c: MdContinuation, s: KState): number {
  return c.op === 'truncate' ? c.ino : s.files.get(c.file)!.ino;
}

/**
 * Breaks and, if leases are left, blocks p with continuation c. null: no
 * MAP_DIRECT lease on the inode, the syscall goes on at once.
 */
function breakAndWait(s: KState, p: Proc, c: MdContinuation): MdBreak {
  const ino = inoOf(c, s);
  if (!hasLayoutLease(s.inodes.get(ino))) return null;
  const caughtBefore = p.unwaited.length;
  const left = breakLayouts(s, ino, `${p.name}'s ${c.op}`);
  if (!p.alive) return 'died';
  if (!left) return null;
  if (p.unwaited.length > caughtBefore) {
    s.why.push(`${p.name} caught a signal raised by its own layout break: the wait in break_layout is interrupted -> EINTR`);
    if (c.op === 'truncate') s.inodes.get(c.ino)!.writecount--; // put_write_access
    return { ret: -1, errno: 4 };
  }
  p.status = { k: 'blocked', step: -1, reported: false, wait: { kind: 'layout-break', ino, file: null, fd: -1, cloexec: false, wantWrite: true, truncateTo: null, result: '', layout: c } };
  s.why.push(`${p.name}'s ${c.op} waits in break_layout until every MAP_DIRECT lease of inode ${ino} is gone (munmap, or revocation after lease-break-time)`);
  return 'blocked';
}

export function mdWrite(s: KState, f: OpenFile, data: WriteData, offset: number | null, p: Proc): MdBreak {
  if (f.kind !== 'reg' || !f.write || (offset !== null && offset < 0)) return null; // vfs_write's own errors come first
  if (!hasLayoutLease(s.inodes.get(f.ino))) return null;
  if (io.bytesOf(data).length === 0) throw new Unmodelled('an empty write to a file with MAP_DIRECT leases (ext4 breaks them, xfs does not)');
  return breakAndWait(s, p, { op: 'write', file: f.id, data, offset });
}

export function mdFallocate(s: KState, f: OpenFile, mode: number, offset: number, length: number, p: Proc): MdBreak {
  if (f.kind !== 'reg' || !f.write || offset < 0 || length <= 0 || mode === 2) return null; // vfs_fallocate's errors
  if (!hasLayoutLease(s.inodes.get(f.ino))) return null;
  if (mode !== 0 && mode !== 1 && mode !== 3) throw new Unmodelled(`fallocate mode 0x${mode.toString(16)} with MAP_DIRECT leases`);
  return breakAndWait(s, p, { op: 'fallocate', file: f.id, mode, offset, length });
}

export function mdFtruncate(s: KState, f: OpenFile, length: number, p: Proc): MdBreak {
  if (f.kind !== 'reg' || !f.write || length < 0) return null; // do_sys_ftruncate's errors
  return breakAndWait(s, p, { op: 'ftruncate', file: f.id, length });
}

/**
 * truncate(2): vfs_truncate holds write access and breaks F_SETLEASE leases
 * first (io.doTruncate); do_truncate -> setattr then breaks layouts.
 */
export function mdTruncate(s: KState, path: string, length: number, p: Proc): MdBreak {
  const l = lookup(s, path);
  if (!l.ok || length < 0) return null;
  const node = s.inodes.get(l.ino)!;
  if (node.type !== 'reg' || !hasLayoutLease(node)) return null;
  if (node.leases.some((x) => conflicts(x, true))) throw new Unmodelled('truncate(2) of a file with both F_SETLEASE and MAP_DIRECT leases');
  node.writecount++; // get_write_access, held across both breaks
  const r = breakAndWait(s, p, { op: 'truncate', ino: node.ino, length });
  if (r === null) node.writecount--;
  return r;
}

/** The continuation of a breaker whose wait is over. */
export function finishLayoutBreak(s: KState, p: Proc): void {
  if (p.status.k !== 'blocked' || !p.status.wait.layout) return;
  const { step, reported } = p.status;
  const c = p.status.wait.layout;
  if (s.fan) throw new Unmodelled('fanotify events of a syscall resumed after a MAP_DIRECT break');
  let result: StepResult;
  if (c.op === 'truncate') {
    truncateInode(s, c.ino, c.length);
    s.inodes.get(c.ino)!.writecount--;
    result = { ret: 0, errno: 0 };
  } else {
    const f = s.files.get(c.file)!;
    result = c.op === 'write' ? io.doWrite(s, f, c.data, c.offset)
      : c.op === 'fallocate' ? io.doFallocate(s, f, c.mode, c.offset, c.length)
      : io.doFtruncate(s, f, c.length);
  }
  s.why.push(`${p.name}'s ${c.op} proceeds: no MAP_DIRECT lease left`);
  p.status = { k: 'completed', step, reported, result };
}

/** A caught signal (errno EINTR) or death (errno 0) ends the wait. */
export function abortLayoutBreak(s: KState, p: Proc, errno: number): void {
  if (p.status.k !== 'blocked' || !p.status.wait.layout) return;
  const c = p.status.wait.layout;
  if (c.op === 'truncate') s.inodes.get(c.ino)!.writecount--;
  p.status = errno === 0 ? { k: 'idle' } : { k: 'completed', step: p.status.step, reported: p.status.reported, result: { ret: -1, errno } };
}

/** open(O_TRUNC) breaks layouts from handle_truncate after the open's own break: not modelled. */
export function mdOpenTruncGuard(s: KState, path: string, flags: number, dirPath: string): void {
  if ((flags & 0o1000) === 0 || !s.md) return;
  const l = lookup(s, dirPath === '' ? path : `${dirPath}/${path}`);
  if (l.ok && hasLayoutLease(s.inodes.get(l.ino))) throw new Unmodelled('open(O_TRUNC) of a file with MAP_DIRECT leases');
}
