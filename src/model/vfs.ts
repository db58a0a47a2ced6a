// The scenario directory's namespace: path lookup (ENOENT/ENOTDIR), create,
// unlink (nlink), link, rename, mkdir, rmdir, and i_size changes. The
// scenario directory starts empty and everything is created by its steps.

import type { Inode, KState } from './state.js';
import { fanDentryDropped, fanDentryMoved } from './fanotify-event.js';
import { initNewInode } from './dax.js';
import { sizeChanging } from './mm-mapping.js';

export type Lookup =
  | { ok: true; ino: number; parent: string; path: string }
  | { ok: false; errno: number; parent?: string; path?: string };

/** Normalises "a/./b" and trailing slashes; "" is the scenario dir itself. */
export function normPath(path: string): string {
  return path.split('/').filter((c) => c !== '' && c !== '.').join('/');
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Resolves a path: ENOTDIR if a middle component is a file, ENOENT if missing. */
export function lookup(s: KState, raw: string): Lookup {
  const path = normPath(raw);
  const parts = path === '' ? [] : path.split('/');
  let cur = '';
  for (let i = 0; i < parts.length; i++) {
    const dirIno = s.names.get(cur);
    const dir = dirIno === undefined ? undefined : s.inodes.get(dirIno);
    if (!dir) return { ok: false, errno: 2 };
    if (dir.type !== 'dir') return { ok: false, errno: 20 };
    cur = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
  }
  const ino = s.names.get(cur);
  const parent = parentOf(cur);
  if (ino === undefined) {
    // Tell the caller whether the parent exists, for O_CREAT / mkdir.
    const pIno = s.names.get(parent);
    const pNode = pIno === undefined ? undefined : s.inodes.get(pIno);
    if (!pNode) return { ok: false, errno: 2 };
    if (pNode.type !== 'dir') return { ok: false, errno: 20 };
    return { ok: false, errno: 2, parent, path: cur };
  }
  return { ok: true, ino, parent, path: cur };
}

export function createInode(s: KState, path: string, type: 'reg' | 'dir', mode: number): Inode {
  const ino: Inode = { ino: s.nextIno++, type, nlink: type === 'dir' ? 2 : 1, mode, size: 0, data: '', readcount: 0, writecount: 0, leases: [] };
  s.inodes.set(ino.ino, ino);
  initNewInode(s, ino, s.names.get(parentOf(path))); // FS_XFLAG_DAX inheritance, S_DAX
  s.names.set(path, ino.ino);
  if (type === 'dir') bumpParent(s, path, 1);
  return ino;
}

function bumpParent(s: KState, path: string, d: number): void {
  const p = s.names.get(parentOf(path));
  const node = p === undefined ? undefined : s.inodes.get(p);
  if (node) node.nlink += d;
}

/** Removes a name; the inode lives on while open (gcInode). */
export function dropName(s: KState, path: string): void {
  const ino = s.names.get(path);
  if (ino === undefined) return;
  s.names.delete(path);
  const node = s.inodes.get(ino);
  if (node) {
    node.nlink -= node.type === 'dir' ? 2 : 1;
    if (node.type === 'dir') bumpParent(s, path, -1);
  }
  for (const f of s.files.values()) if (f.path === path && f.ino === ino) f.unlinked = true;
  fanDentryDropped(s, path, ino);
}

export function isEmptyDir(s: KState, path: string): boolean {
  const prefix = path === '' ? '' : path + '/';
  for (const k of s.names.keys()) if (k !== path && k.startsWith(prefix)) return false;
  return true;
}

/** Moves a name (and, for a directory, every name below it), updating open files' paths. */
export function moveName(s: KState, from: string, to: string): void {
  const moves: [string, string][] = [];
  for (const k of s.names.keys()) {
    if (k === from) moves.push([k, to]);
    else if (k.startsWith(from + '/')) moves.push([k, to + k.slice(from.length)]);
  }
  const isDir = s.inodes.get(s.names.get(from)!)?.type === 'dir';
  for (const [a, b] of moves) {
    const ino = s.names.get(a)!;
    s.names.delete(a);
    s.names.set(b, ino);
    for (const f of s.files.values()) if (f.path === a && f.ino === ino && !f.unlinked) f.path = b;
    fanDentryMoved(s, a, b, ino);
  }
  if (isDir && parentOf(from) !== parentOf(to)) {
    bumpParent(s, from, -1);
    bumpParent(s, to, 1);
  }
}

/** i_size change: truncation drops bytes, extension reads as zeros. */
export function truncateInode(s: KState, ino: number, length: number): void {
  const node = s.inodes.get(ino);
  if (!node) return;
  sizeChanging(s, ino, node.size, length); // mappings: pages past the new EOF go
  node.data = length <= node.data.length ? node.data.slice(0, length) : node.data;
  node.size = length;
}

/** Bytes [off, off+n) of the file, holes and the tail past data as zeros. */
export function readBytes(node: Inode, off: number, n: number): string {
  const end = Math.min(node.size, off + n);
  if (off >= end) return '';
  const have = node.data.slice(off, end);
  return have + '\0'.repeat(end - off - have.length);
}

export function writeBytes(node: Inode, off: number, bytes: string): void {
  let d = node.data;
  if (d.length < off) d += '\0'.repeat(off - d.length);
  node.data = d.slice(0, off) + bytes + d.slice(off + bytes.length);
  node.size = Math.max(node.size, off + bytes.length);
}
