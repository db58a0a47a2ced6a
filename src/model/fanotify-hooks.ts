// The fsnotify hooks of the syscalls the model runs, as fanotify sees them
// (include/linux/fsnotify.h): fsnotify_open after a successful open,
// fsnotify_perm(MAY_OPEN) from security_file_open, fsnotify_close at the
// last fput (in the closer's context: its tgid is the event's pid),
// fsnotify_access / fsnotify_modify after a read / write that moved bytes,
// FS_ACCESS_PERM from rw_verify_area, fsnotify_create / fsnotify_delete for
// directory entries (reported to FID groups only). FMODE_NONOTIFY (event
// fds) and FMODE_PATH files generate nothing.

import type { KState, OpenFile, Proc } from './state.js';
import { Unmodelled } from './unmodelled.js';
import { parentOf } from './vfs.js';
import { anyMarks, emit, objectOfFile } from './fanotify-event.js';
import { FAN, FID_BITS } from './fanotify-state.js';

/** FAN_OPEN_PERM: the event id the opener waits for, or null. */
export function fanOpenPerm(s: KState, p: Proc, file: OpenFile): number | null {
  if (!anyMarks(s)) return null;
  const obj = objectOfFile(s, file);
  if (!obj) return null;
  return emit(s, p.name, obj, FAN.OPEN_PERM).perm?.id ?? null;
}

/** FAN_ACCESS_PERM before a read (rw_verify_area -> security_file_permission). */
export function fanAccessPerm(s: KState, p: Proc, file: OpenFile): number | null {
  if (!anyMarks(s)) return null;
  const obj = objectOfFile(s, file);
  if (!obj) return null;
  return emit(s, p.name, obj, FAN.ACCESS_PERM).perm?.id ?? null;
}

function notify(s: KState, p: Proc | string, file: OpenFile, mask: number): void {
  if (!anyMarks(s)) return;
  const obj = objectOfFile(s, file);
  if (!obj) return;
  emit(s, typeof p === 'string' ? p : p.name, obj, mask);
}

export const fanOpened = (s: KState, p: Proc, file: OpenFile): void => notify(s, p, file, FAN.OPEN);
export const fanAccessed = (s: KState, p: Proc, file: OpenFile): void => notify(s, p, file, FAN.ACCESS);
export const fanModified = (s: KState, p: Proc, file: OpenFile): void => notify(s, p, file, FAN.MODIFY);

/** __fput -> fsnotify_close: CLOSE_WRITE iff the struct file has FMODE_WRITE. */
export function fanClosed(s: KState, closer: string, file: OpenFile): void {
  notify(s, closer, file, file.write ? FAN.CLOSE_WRITE : FAN.CLOSE_NOWRITE);
}

function fidGroupsMarked(s: KState): boolean {
  return !!s.fan?.groups.some((g) => g.alive && g.marks.length > 0 && (g.flags & FID_BITS));
}

/** fsnotify_create on the parent directory (reported to FID groups only). */
export function fanCreated(s: KState, p: Proc, path: string, ino: number): void {
  if (!fidGroupsMarked(s)) return;
  const dir = parentOf(path);
  const dirIno = s.names.get(dir);
  if (dirIno === undefined) return;
  const isDir = s.inodes.get(ino)?.type === 'dir';
  emit(s, p.name, { ino: dirIno, path: dir, isDir, unlinked: false }, FAN.CREATE, { pathEvent: false, name: path.slice(path.lastIndexOf('/') + 1) });
}

/** fsnotify_delete on the parent directory, for unlink (FID groups only). */
export function fanDeleted(s: KState, p: Proc, path: string, ino: number): void {
  if (!fidGroupsMarked(s)) return;
  const node = s.inodes.get(ino);
  if (node && node.nlink > 0) throw new Unmodelled('unlink of a hard-linked file under a FID group (FAN_ATTRIB on the link count)');
  const dir = parentOf(path);
  const dirIno = s.names.get(dir);
  if (dirIno === undefined) return;
  emit(s, p.name, { ino: dirIno, path: dir, isDir: node?.type === 'dir', unlinked: false }, FAN.DELETE, { pathEvent: false, name: path.slice(path.lastIndexOf('/') + 1) });
}

/**
 * notify_change(ATTR_SIZE) -> fsnotify_change: an FS_MODIFY on the dentry
 * (no path), which no fd-mode group can report but which still clears the
 * ignore masks of the marks it reaches (send_to_group).
 */
export function fanDentryModify(s: KState, p: Proc, path: string, ino: number): void {
  if (!anyMarks(s)) return;
  if (fidGroupsMarked(s)) throw new Unmodelled('truncate under a FID group (FAN_MODIFY|FAN_ATTRIB from notify_change)');
  const node = s.inodes.get(ino);
  emit(s, p.name, { ino, path, isDir: node?.type === 'dir', unlinked: false }, FAN.MODIFY, { pathEvent: false });
}

/** Namespace ops whose FID events the model does not have. */
export function fanNamespaceOp(s: KState, what: string): void {
  if (fidGroupsMarked(s)) throw new Unmodelled(`${what} under a FID-mode fanotify group`);
}
