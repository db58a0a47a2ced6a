// fanotify_mark (fs/notify/fanotify/fanotify_user.c do_fanotify_mark, 6.1):
// the checks in the kernel's order, path lookup (fanotify_find_path), then
// add (fanotify_add_mark: may_update_existing_mark, add_to_mask,
// update_flags), remove (ENOENT without a mark; the mark goes when only
// umask bits remain) and flush. The scenario lives on one mount and one
// filesystem, so mount and sb marks are one each per group. Without
// CAP_SYS_ADMIN, or on a FANOTIFY_UNPRIV group, only inode marks (EPERM), and
// fanotify_find_path needs read permission on the object (EACCES).

import type { DirRef, FdRef } from '../scenario/ast.js';
import type { KState, Proc, StepResult } from './state.js';
import { fileOfFd } from './files.js';
import { lookup } from './vfs.js';
import { Unmodelled } from './unmodelled.js';
import { groupOfFile } from './fanotify-group.js';
import { fanOf } from './fanotify-event.js';
import { capable, permits, walkDenied } from './cred.js';
import { EVENT_FLAGS, FAN, FID_BITS, PATH_EVENTS, PERM_EVENTS, INODE_EVENTS, DIRENT_EVENTS, type FanMark, type MarkObj } from './fanotify-state.js';

/** Marks counted against uid's max_user_marks: those of its live groups without FAN_UNLIMITED_MARKS (fanotify_freeing_mark uncharges). */
function marksCharged(s: KState, uid: number): number {
  return (s.fan?.groups ?? []).filter((g) => g.alive && g.uid === uid && !(g.flags & FAN.UNLIMITED_MARKS)).reduce((n, g) => n + g.marks.length, 0);
}

const MARK_FLAGS = 0x7ff;
const VALID_MASK = PATH_EVENTS | INODE_EVENTS | FAN.FS_ERROR | EVENT_FLAGS | PERM_EVENTS;
const FD_EVENTS = PATH_EVENTS | PERM_EVENTS;
const DIRONLY = DIRENT_EVENTS | EVENT_FLAGS;

export function doFanotifyMark(s: KState, p: Proc, fdNum: (r: FdRef) => number, op: { fd: FdRef; flags: number; mask: number; dir: DirRef; path: string | null }): StepResult {
  const fail = (errno: number, why: string): StepResult => {
    s.why.push(`fanotify_mark: ${why}`);
    return { ret: -1, errno };
  };
  const { flags } = op;
  let mask = op.mask;
  if (mask > 0xffffffff) return fail(22, 'mask has upper 32 bits -> EINVAL');
  if (flags & ~MARK_FLAGS) return fail(22, 'unknown mark flag -> EINVAL');
  const type = flags & (FAN.MARK_MOUNT | FAN.MARK_FILESYSTEM);
  if (type === (FAN.MARK_MOUNT | FAN.MARK_FILESYSTEM)) return fail(22, 'FAN_MARK_MOUNT|FAN_MARK_FILESYSTEM -> EINVAL');
  const obj: MarkObj = type === FAN.MARK_MOUNT ? 'mount' : type === FAN.MARK_FILESYSTEM ? 'sb' : 'inode';
  const cmd = flags & (FAN.MARK_ADD | FAN.MARK_REMOVE | FAN.MARK_FLUSH);
  if (cmd === FAN.MARK_ADD || cmd === FAN.MARK_REMOVE) {
    if (!mask) return fail(22, 'ADD/REMOVE with mask 0 -> EINVAL');
  } else if (cmd === FAN.MARK_FLUSH) {
    if (flags & ~(FAN.MARK_MOUNT | FAN.MARK_FILESYSTEM | FAN.MARK_FLUSH)) return fail(22, 'FAN_MARK_FLUSH with other flags -> EINVAL');
  } else return fail(22, 'not exactly one of ADD, REMOVE, FLUSH -> EINVAL');
  if (mask & ~VALID_MASK) return fail(22, `mask bits 0x${(mask & ~VALID_MASK).toString(16)} are not events one may mark -> EINVAL`);
  const ignore = flags & (FAN.MARK_IGNORE | FAN.MARK_IGNORED_MASK);
  if (ignore === (FAN.MARK_IGNORE | FAN.MARK_IGNORED_MASK)) return fail(22, 'FAN_MARK_IGNORE|FAN_MARK_IGNORED_MASK -> EINVAL');
  let umask = 0;
  if (ignore === FAN.MARK_IGNORED_MASK) {
    mask &= ~EVENT_FLAGS;
    umask = EVENT_FLAGS;
  }
  const gf = fileOfFd(s, p, fdNum(op.fd));
  if (!gf) return fail(9, 'fanotify fd not open -> EBADF');
  const g = groupOfFile(s, gf);
  if (!g) return fail(22, 'fd is not a fanotify group -> EINVAL');
  const fid = g.flags & FID_BITS;
  if ((!capable(p) || g.unpriv) && obj !== 'inode') return fail(1, `a ${obj} mark needs CAP_SYS_ADMIN and a group made with it -> EPERM`);
  if ((mask & PERM_EVENTS) && !(g.flags & (FAN.CLASS_CONTENT | FAN.CLASS_PRE_CONTENT))) return fail(22, 'permission events in a FAN_CLASS_NOTIF group -> EINVAL');
  if ((mask & FAN.FS_ERROR) && obj !== 'sb') return fail(22, 'FAN_FS_ERROR needs a filesystem mark -> EINVAL');
  if ((flags & FAN.MARK_EVICTABLE) && obj !== 'inode') return fail(22, 'FAN_MARK_EVICTABLE needs an inode mark -> EINVAL');
  if ((mask & ~(FD_EVENTS | EVENT_FLAGS)) && (!fid || obj === 'mount')) return fail(22, 'dirent/inode events need a FID group and no mount mark -> EINVAL');
  if ((mask & FAN.RENAME) && !(fid & FAN.REPORT_NAME)) return fail(22, 'FAN_RENAME needs FAN_REPORT_NAME -> EINVAL');
  if (cmd === FAN.MARK_FLUSH) {
    g.marks = g.marks.filter((m) => m.obj !== obj);
    s.why.push(`fanotify_mark: FLUSH removes group ${g.id}'s ${obj} marks`);
    return { ret: 0, errno: 0 };
  }
  // fanotify_find_path
  let ino: number;
  if (op.path === null) {
    if (op.dir.kind === 'cwd') return fail(9, 'no path and AT_FDCWD -> EBADF (fdget(-100))');
    const df = fileOfFd(s, p, fdNum(op.dir.fd));
    if (!df) return fail(9, 'dirfd not open -> EBADF');
    if (df.kind !== 'reg' && df.kind !== 'dir') throw new Unmodelled(`fanotify_mark on a ${df.kind} fd`);
    if ((flags & FAN.MARK_ONLYDIR) && df.kind !== 'dir') return fail(20, 'FAN_MARK_ONLYDIR on a non-directory fd -> ENOTDIR');
    ino = df.ino;
  } else {
    let base = '';
    if (op.dir.kind === 'fd') {
      const df = fileOfFd(s, p, fdNum(op.dir.fd));
      if (!df) return fail(9, 'dirfd not open -> EBADF');
      if (df.kind !== 'dir') return fail(20, 'dirfd is not a directory -> ENOTDIR');
      base = df.path;
    }
    const full = base === '' ? op.path : `${base}/${op.path}`;
    if (!capable(p) && walkDenied(s, p, full)) return fail(13, `${p.name} may not search a directory of "${op.path}" -> EACCES`);
    const l = lookup(s, full);
    if (!l.ok) return fail(l.errno, `lookup of "${op.path}" fails`);
    ino = l.ino;
    if ((flags & FAN.MARK_ONLYDIR) && s.inodes.get(ino)!.type !== 'dir') return fail(20, 'FAN_MARK_ONLYDIR on a non-directory -> ENOTDIR');
  }
  const node = s.inodes.get(ino);
  // fanotify_find_path: path_permission(MAY_READ); root passes by CAP_DAC_OVERRIDE.
  if (node && !permits(p, node, 4)) return fail(13, `${p.name} may not read inode ${ino} (mode 0${node.mode.toString(8)}) -> EACCES (fanotify_find_path)`);
  const isDir = s.inodes.get(ino)?.type === 'dir';
  if (cmd === FAN.MARK_ADD) {
    const strict = (g.flags & FAN.REPORT_TARGET_FID) || (mask & FAN.RENAME) || (flags & FAN.MARK_IGNORE);
    if (strict && obj === 'inode' && !isDir && (mask & DIRONLY)) return fail(20, 'directory-only events on a non-directory (strict) -> ENOTDIR');
  }
  if (cmd === FAN.MARK_ADD && ignore === FAN.MARK_IGNORE && (obj !== 'inode' || isDir) && !(flags & FAN.MARK_IGNORED_SURV_MODIFY)) {
    return obj !== 'inode' ? fail(22, 'FAN_MARK_IGNORE on a mount/sb without SURV_MODIFY -> EINVAL') : fail(21, 'FAN_MARK_IGNORE on a directory without SURV_MODIFY -> EISDIR');
  }
  if (obj !== 'inode' || !isDir) {
    mask &= ~FAN.EVENT_ON_CHILD;
    umask = FAN.EVENT_ON_CHILD;
    if ((fid & FAN.REPORT_DIR_FID) && cmd === FAN.MARK_ADD && !ignore) mask |= FAN.EVENT_ON_CHILD;
  }
  const key = obj === 'inode' ? ino : -1;
  const at = g.marks.findIndex((m) => m.obj === obj && m.ino === key);
  if (cmd === FAN.MARK_REMOVE) {
    if (at < 0) return fail(2, `group ${g.id} has no ${obj} mark there -> ENOENT`);
    const m = g.marks[at]!;
    mask &= ~umask;
    if (!ignore) m.mask &= ~mask;
    else m.ignore &= ~mask;
    if (!((m.mask | m.ignore) & ~umask)) {
      g.marks.splice(at, 1);
      s.why.push(`fanotify_mark: REMOVE leaves only umask bits -> group ${g.id}'s ${obj} mark is destroyed`);
    } else s.why.push(`fanotify_mark: REMOVE -> mask 0x${m.mask.toString(16)} ignore 0x${m.ignore.toString(16)}`);
    return { ret: 0, errno: 0 };
  }
  // fanotify_add_inode_mark: an ignore mask that would not survive modification is
  // silently not added (ret 0) while someone has the inode open for write.
  if (obj === 'inode' && ignore && !(flags & FAN.MARK_IGNORED_SURV_MODIFY) && (s.inodes.get(ino)?.writecount ?? 0) > 0) {
    s.why.push('fanotify_mark: ignore mask without SURV_MODIFY on an inode open for write -> not added, returns 0');
    return { ret: 0, errno: 0 };
  }
  if (fid && (mask & (FAN.ATTRIB | FAN.MOVED_FROM | FAN.MOVED_TO | FAN.DELETE_SELF | FAN.MOVE_SELF | FAN.RENAME | FAN.FS_ERROR))) {
    throw new Unmodelled('FID-mode marks for attrib/move/self/rename/error events');
  }
  let m: FanMark;
  if (at < 0) {
    // fanotify_add_new_mark: inc_ucount(UCOUNT_FANOTIFY_MARKS) of the group's creator.
    const used = marksCharged(s, g.uid);
    const max = fanOf(s).maxMarks;
    if (!(g.flags & FAN.UNLIMITED_MARKS) && max !== null && used >= max) return fail(28, `uid ${g.uid} has ${used} marks in limited groups, max_user_marks is ${max} -> ENOSPC`);
    m = { obj, ino: key, mask: 0, ignore: 0, survModify: false, ignoreFlags: false, evictable: (flags & FAN.MARK_EVICTABLE) !== 0 };
    g.marks.push(m);
  } else m = g.marks[at]!;
  // fanotify_may_update_existing_mark
  if ((flags & FAN.MARK_EVICTABLE) && !m.evictable) return fail(17, 'FAN_MARK_EVICTABLE on a pinned mark -> EEXIST');
  if ((flags & FAN.MARK_IGNORED_MASK) && m.ignoreFlags) return fail(17, 'FAN_MARK_IGNORED_MASK on a mark with FAN_MARK_IGNORE semantics -> EEXIST');
  if ((flags & FAN.MARK_IGNORE) && !(flags & FAN.MARK_IGNORED_SURV_MODIFY) && m.survModify) return fail(17, 'FAN_MARK_IGNORE without SURV_MODIFY on a SURV_MODIFY mark -> EEXIST');
  if (!ignore) m.mask |= mask;
  else m.ignore |= mask;
  if (ignore === FAN.MARK_IGNORE) m.ignoreFlags = true;
  if (ignore && (flags & FAN.MARK_IGNORED_SURV_MODIFY)) m.survModify = true;
  if (!(flags & FAN.MARK_EVICTABLE)) m.evictable = false;
  s.why.push(`fanotify_mark: group ${g.id} ${obj} mark${obj === 'inode' ? ` on inode ${ino}` : ''} -> mask 0x${m.mask.toString(16)} ignore 0x${m.ignore.toString(16)}${m.survModify ? ' (survives modify)' : ''}`);
  return { ret: 0, errno: 0 };
}
