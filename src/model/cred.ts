// Credentials, as far as leases and SIGIO need them. Every scenario process
// starts as root; the `setuid` step (setgroups + setresgid + setresuid, all
// to one id) makes it an unprivileged user with no capabilities at all
// (kernel/cred.c commit_creds / security/commoncap.c cap_emulate_setxuid).
// The model keeps no inode owner: every inode of the scenario directory is
// created by root, since a non-root process cannot create in the root-owned
// 0755 directories (the creating paths below refuse or give up).

import type { Op } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { FOwner, Inode, KState, Proc, StepResult } from './state.js';
import { lookup } from './vfs.js';
import { Unmodelled } from './unmodelled.js';

/** The uid of every inode the model knows (see the header). */
export const INODE_UID = 0;

export const uidOf = (p: Proc): number => p.uid ?? 0;

/** capable(CAP_*): root keeps its capabilities, setresuid to non-zero drops them all. */
export const capable = (p: Proc): boolean => uidOf(p) === 0;

/** The runner's setuid step: setgroups(0, NULL) needs CAP_SETGID, so a non-root caller gets EPERM. */
export function doSetuid(s: KState, p: Proc, uid: number): StepResult {
  if (!capable(p)) {
    s.why.push(`setuid by ${p.name} (uid ${uidOf(p)}): setgroups needs CAP_SETGID -> EPERM`);
    return { ret: -1, errno: 1 };
  }
  p.uid = uid;
  s.why.push(uid === 0 ? `setuid 0: ${p.name} stays root` : `setuid ${uid}: ${p.name} runs as uid/gid ${uid} with no capabilities`);
  return { ret: 0, errno: 0 };
}

/** __f_setown with a pid records the caller's uid and euid for sigio_perm. */
export function ownerCred(p: Proc): Pick<FOwner, 'uid' | 'euid'> {
  return { uid: uidOf(p), euid: uidOf(p) };
}

/**
 * fs/fcntl.c sigio_perm: the owner's (e)uid, recorded at F_SETOWN time, is root
 * or matches the target's uid or suid (all three ids are equal here).
 */
export function sigioPerm(o: FOwner, target: Proc): boolean {
  const euid = o.euid ?? 0;
  const uid = o.uid ?? 0;
  const t = uidOf(target);
  return euid === 0 || euid === t || uid === t;
}

/** generic_setlease: the caller's fsuid owns the inode, or it has CAP_LEASE. */
export function mayLease(p: Proc): boolean {
  return uidOf(p) === INODE_UID || capable(p);
}

/** The permission bits of `mode` that apply to p (owner or other: gids equal uids here). */
function classBits(p: Proc, mode: number): number {
  return uidOf(p) === INODE_UID ? (mode >> 6) & 7 : mode & 7;
}

/** generic_permission for a non-root process (root passes every DAC check). */
export function permits(p: Proc, node: Inode, want: number): boolean {
  if (capable(p)) return true;
  return (classBits(p, node.mode) & want) === want;
}

/** Search permission on every directory from the scenario dir down to path's parent. */
export function walkDenied(s: KState, p: Proc, path: string): boolean {
  const parts = path.split('/').filter((x) => x !== '');
  let cur = '';
  for (let i = 0; i < parts.length; i++) {
    const ino = s.names.get(cur);
    const node = ino === undefined ? undefined : s.inodes.get(ino);
    if (!node || node.type !== 'dir') return false; // lookup reports ENOENT/ENOTDIR itself
    if (!permits(p, node, 1)) return true;
    cur = cur === '' ? parts[i]! : `${cur}/${parts[i]!}`;
  }
  return false;
}

/**
 * DAC for open(2) by a non-root process (fs/namei.c may_lookup, may_o_create,
 * may_open): EACCES before do_dentry_open, so before any lease break. null: allowed.
 */
export function openDenied(s: KState, p: Proc, op: Extract<Op, { kind: 'open' }>, path: string): number | null {
  if (capable(p)) return null;
  if (walkDenied(s, p, path)) {
    s.why.push(`${p.name} (uid ${uidOf(p)}) lacks search permission on a directory of "${op.path}" -> EACCES`);
    return 13;
  }
  const found = lookup(s, path);
  if (!found.ok) {
    if ((op.flags & O.CREAT) && found.errno === 2 && found.path !== undefined) {
      const parentPath = found.path.includes('/') ? found.path.slice(0, found.path.lastIndexOf('/')) : '';
      const parent = s.inodes.get(s.names.get(parentPath) ?? -1);
      if (parent && !permits(p, parent, 3)) {
        s.why.push(`${p.name} (uid ${uidOf(p)}) may not create in a root-owned 0${parent.mode.toString(8)} directory -> EACCES (may_o_create)`);
        return 13;
      }
      throw new Unmodelled('file creation by a non-root process (inode owners are not modelled)');
    }
    return null;
  }
  if ((op.flags & O.CREAT) && (op.flags & O.EXCL)) return null;
  if (op.flags & O.PATH) return null;
  const node = s.inodes.get(found.ino)!;
  const acc = op.flags & O.ACCMODE;
  const want = (acc === O.RDONLY ? 4 : acc === O.WRONLY ? 2 : 6) | (op.flags & O.TRUNC ? 2 : 0);
  if (!permits(p, node, want)) {
    s.why.push(`${p.name} (uid ${uidOf(p)}) has no ${want & 4 ? 'read' : ''}${want === 6 ? '/' : ''}${want & 2 ? 'write' : ''} permission on "${op.path}" (mode 0${node.mode.toString(8)}) -> EACCES (may_open), no lease break`);
    return 13;
  }
  return null;
}

/** truncate(2) by a non-root process: vfs_truncate checks MAY_WRITE before break_lease. */
export function truncateDenied(s: KState, p: Proc, path: string): number | null {
  if (capable(p)) return null;
  if (walkDenied(s, p, path)) return 13;
  const found = lookup(s, path);
  if (!found.ok) return null;
  const node = s.inodes.get(found.ino)!;
  if (node.type === 'reg' && !permits(p, node, 2)) {
    s.why.push(`${p.name} (uid ${uidOf(p)}) may not write "${path}" -> EACCES (vfs_truncate), no lease break`);
    return 13;
  }
  return null;
}

/** Ops whose behaviour for a non-root process the model does not have. */
const ROOT_ONLY = new Set<Op['kind']>([
  'unlink', 'rename', 'link', 'mkdir', 'rmdir', 'sysctl', 'execve', 'readlink_fd',
  'fanotify_response', 'mmap',
]);
// fanotify_init, fanotify_mark and fanotify_read check credentials themselves
// (src/model/fanotify-group.ts, fanotify-mark.ts, fanotify-read.ts).

/**
 * mmap(fd, MAP_SHARED_VALIDATE|MAP_DIRECT [|MAP_SYNC]) with no address or
 * locking flags: nothing in do_mmap depends on the caller's credentials
 * before the flag checks and the lease's owner/CAP_LEASE check
 * (src/model/map-direct.ts), so it is modelled for any uid.
 */
function credFreeMmap(op: Op): boolean {
  return op.kind === 'mmap' && op.fd !== null && op.fd !== undefined && (op.flags & ~(0x3 | 0x80000 | 0x200000)) === 0 && (op.flags & 0x200000) !== 0 && (op.flags & 0xf) === 0x3;
}

export function guardUnprivileged(p: Proc, op: Op): void {
  if (!capable(p) && ROOT_ONLY.has(op.kind) && !credFreeMmap(op)) throw new Unmodelled(`${op.kind} by a non-root process`);
}
