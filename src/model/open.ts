// open/openat (fs/open.c do_sys_openat2, do_dentry_open; fs/namei.c):
// flag stripping (O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC, O_CLOEXEC into the fd
// flags, O_LARGEFILE forced on 64-bit), lookup/create errors, reader/writer
// counts, then break_lease, which may fail, block or signal.

import type { Op } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { KState, OpenFile, Proc, StepResult } from './state.js';
import { installFd, lowestFreeFd, newFile } from './files.js';
import { breakLease } from './lease.js';
import { createInode, lookup, truncateInode } from './vfs.js';
import { bindName } from './process.js';
import type { ModelOptions } from './options.js';
import { Unmodelled } from './unmodelled.js';
import { fanCreated, fanOpenPerm, fanOpened } from './fanotify-hooks.js';

const err = (errno: number): StepResult => ({ ret: -1, errno });
/** The runner's umask (guest/probes/runner: umask(022)). */
export const UMASK = 0o022;

export type OpenOutcome = { done: StepResult } | { blocked: true };

export function doOpen(s: KState, p: Proc, op: Extract<Op, { kind: 'open' }>, opts: ModelOptions, dirPath: string): OpenOutcome {
  const fail = (errno: number, why: string): OpenOutcome => {
    s.why.push(why);
    bindName(p, op.result, -1);
    return { done: err(errno) };
  };
  const isPath = (op.flags & O.PATH) !== 0;
  // build_open_how: O_PATH keeps only O_PATH_FLAGS (O_LARGEFILE, added by open(2), goes too).
  let flags = isPath ? op.flags & (O.PATH | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC) : op.flags;
  if (flags & (O.TMPFILE_BIT | O.DIRECT)) throw new Unmodelled('O_TMPFILE / O_DIRECT opens');
  if ((flags & O.ACCMODE) === 3) throw new Unmodelled('open with access mode 3');
  if ((flags & O.TRUNC) && (flags & O.ACCMODE) === O.RDONLY) throw new Unmodelled('O_RDONLY|O_TRUNC');
  if ((flags & O.DIRECTORY) && (flags & O.CREAT)) return fail(22, 'O_DIRECTORY|O_CREAT -> EINVAL (build_open_flags)');
  const path = dirPath === '' ? op.path : `${dirPath}/${op.path}`;
  const fd = lowestFreeFd(p, 0);
  const found = lookup(s, path);
  let ino: number;
  let created = false;
  if (found.ok) {
    if ((flags & O.CREAT) && (flags & O.EXCL)) return fail(17, `O_CREAT|O_EXCL on existing "${op.path}" -> EEXIST`);
    ino = found.ino;
  } else {
    if (found.errno !== 2 || !(flags & O.CREAT) || isPath || found.path === undefined) {
      return fail(found.errno, `lookup of "${op.path}" fails -> ${found.errno === 20 ? 'ENOTDIR' : 'ENOENT'}`);
    }
    if (op.path.endsWith('/')) return fail(21, 'O_CREAT of a name ending in / -> EISDIR');
    ino = createInode(s, found.path, 'reg', op.mode & 0o7777 & ~UMASK).ino;
    created = true;
  }
  const inode = s.inodes.get(ino)!;
  const acc = flags & O.ACCMODE;
  if (inode.type === 'dir' && !isPath) {
    if (acc !== O.RDONLY || (flags & O.CREAT)) return fail(21, 'open of a directory for writing -> EISDIR');
  }
  if (inode.type !== 'dir' && (flags & O.DIRECTORY)) return fail(20, 'O_DIRECTORY on a non-directory -> ENOTDIR');
  // f_flags as F_GETFL will show them.
  if (flags & O.SYNC_BIT) flags |= O.DSYNC;
  flags = (isPath ? flags : flags | O.LARGEFILE) & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC);
  const file: OpenFile = newFile(s, {
    kind: isPath ? 'path' : inode.type, ino, flags: flags >>> 0,
    read: !isPath && (acc === O.RDONLY || acc === O.RDWR), write: !isPath && (acc === O.WRONLY || acc === O.RDWR),
    path, unlinked: false,
  });
  const cloexec = (op.flags & O.CLOEXEC) !== 0;
  if (created) fanCreated(s, p, found.path!, ino); // fsnotify_create in open_last_lookups
  if (isPath) return { done: install(s, p, fd, file, cloexec, op.result) };
  // do_dentry_open: counts are taken before security_file_open and break_lease.
  if (file.read && !file.write) inode.readcount++;
  if (file.write) inode.writecount++;
  const truncTo = (op.flags & O.TRUNC) && file.write && inode.type === 'reg' ? 0 : null;
  // security_file_open -> fsnotify_perm(MAY_OPEN): FAN_OPEN_PERM comes before break_lease.
  const perm = fanOpenPerm(s, p, file);
  if (perm !== null) {
    p.status = { k: 'blocked', step: -1, reported: false, wait: { kind: 'open-perm', ino, file, fd, cloexec, wantWrite: file.write, truncateTo: truncTo, result: op.result, permEvent: perm, nonblock: (op.flags & O.NONBLOCK) !== 0 } };
    s.why.push(`${p.name}'s open waits for a fanotify permission response`);
    return { blocked: true };
  }
  return afterPerm(s, p, file, fd, cloexec, truncTo, op.result, (op.flags & O.NONBLOCK) !== 0, created);
}

/** The rest of do_dentry_open/do_sys_openat2 once the permission hook allowed the open. */
export function afterPerm(s: KState, p: Proc, file: OpenFile, fd: number, cloexec: boolean, truncTo: number | null, result: string, nonblock: boolean, created: boolean): OpenOutcome {
  const ino = file.ino;
  const inode = s.inodes.get(ino)!;
  const fail = (errno: number, why: string): OpenOutcome => {
    s.why.push(why);
    bindName(p, result, -1);
    return { done: err(errno) };
  };
  const release = (): void => {
    if (file.read && !file.write) inode.readcount--;
    if (file.write) inode.writecount--;
  };
  if (!created) {
    const br = breakLease(s, p, ino, file.write, nonblock);
    if (br === 'wouldblock') {
      release();
      return fail(11, 'open fails with EWOULDBLOCK');
    }
    if (br === 'eintr') {
      release();
      return fail(4, 'open interrupted -> EINTR');
    }
    if (br === 'died') {
      release();
      return { done: err(0) };
    }
    if (br === 'block') {
      p.status = { k: 'blocked', step: -1, reported: false, wait: { kind: 'open-break', ino, file, fd, cloexec, wantWrite: file.write, truncateTo: truncTo, result } };
      s.why.push(`${p.name}'s open blocks in __break_lease until the lease is released or lease-break-time passes`);
      return { blocked: true };
    }
  }
  if (truncTo !== null) truncateInode(s, ino, truncTo);
  return { done: install(s, p, fd, file, cloexec, result) };
}

function install(s: KState, p: Proc, fd: number, file: OpenFile, cloexec: boolean, name: string): StepResult {
  fanOpened(s, p, file); // fsnotify_open before fd_install
  installFd(s, p, fd, file, cloexec);
  bindName(p, name, fd);
  s.why.push(`open: lowest free fd is ${fd}${cloexec ? ' (FD_CLOEXEC from O_CLOEXEC)' : ''}`);
  return { ret: fd, errno: 0 };
}
