// Data and namespace syscalls on the scenario directory: read/write/pread/
// pwrite/lseek (f_pos, O_APPEND), truncate (breaks leases like an O_WRONLY
// open, fs/open.c vfs_truncate), ftruncate, fallocate, unlink, rename, link,
// mkdir, rmdir, statx, readlink of /proc/self/fd/N.

import type { Op, WriteData } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { KState, OpenFile, Proc, StepResult } from './state.js';
import { gcInode } from './files.js';
import { breakLease } from './lease.js';
import type { ModelOptions } from './options.js';
import { createInode, dropName, isEmptyDir, lookup, moveName, normPath, readBytes, truncateInode, writeBytes } from './vfs.js';
import { UMASK } from './open.js';
import { Unmodelled } from './unmodelled.js';
import { noteWritten, notePunched } from './map-direct-blocks.js';

const ok = (ret: number): StepResult => ({ ret, errno: 0 });
const err = (errno: number): StepResult => ({ ret: -1, errno });
/** Largest file size the model accepts (keeps its byte strings small). */
const MAX_MODEL_SIZE = 1 << 22;

export function bytesOf(d: WriteData): string {
  return d.kind === 'text' ? d.text : String.fromCharCode(d.byte).repeat(d.count);
}

export function doRead(s: KState, f: OpenFile, count: number, offset: number | null): StepResult {
  if (!f.read) return err(9);
  if (f.kind === 'dir') return err(21);
  if (f.kind === 'stdio') return { ret: 0, errno: 0, data: '' }; // /dev/null
  if (offset !== null && offset < 0) return err(22);
  const node = s.inodes.get(f.ino)!;
  const at = offset ?? f.pos;
  const data = readBytes(node, at, count);
  if (offset === null) f.pos += data.length;
  return { ret: data.length, errno: 0, data };
}

export function doWrite(s: KState, f: OpenFile, d: WriteData, offset: number | null): StepResult {
  if (!f.write) return err(9);
  // A writable directory file (only a fanotify event fd, fanotify-read.ts): no ->write, so
  // vfs_write finds no FMODE_CAN_WRITE -> EINVAL.
  if (f.kind === 'dir') return err(22);
  const bytes = bytesOf(d);
  if (f.kind === 'stdio') return ok(bytes.length);
  if (offset !== null && offset < 0) return err(22);
  const node = s.inodes.get(f.ino)!;
  // pwrite on an O_APPEND file appends too (Linux, man pwrite BUGS).
  const at = (f.flags & O.APPEND) ? node.size : offset ?? f.pos;
  if (at + bytes.length > MAX_MODEL_SIZE) throw new Unmodelled(`files larger than ${MAX_MODEL_SIZE} bytes`);
  writeBytes(node, at, bytes);
  noteWritten(s, node.ino, at, bytes.length); // mapDirect: a DAX write allocates the blocks it touches
  if (offset === null) f.pos = at + bytes.length;
  return ok(bytes.length);
}

export function doLseek(s: KState, f: OpenFile, off: number, whence: number): StepResult {
  if (f.kind === 'path') return err(9);
  if (f.kind === 'stdio') return ok(0); // null_lseek
  if (whence > 2) throw new Unmodelled('SEEK_DATA / SEEK_HOLE');
  if (f.kind === 'dir') throw new Unmodelled('lseek on a directory');
  const node = s.inodes.get(f.ino)!;
  const base = whence === 0 ? 0 : whence === 1 ? f.pos : node.size;
  const pos = base + off;
  if (pos < 0) return err(22);
  f.pos = pos;
  return ok(pos);
}

export type TruncOutcome = { done: StepResult } | { blocked: true };

export function doTruncate(s: KState, p: Proc, path: string, length: number, opts: ModelOptions): TruncOutcome {
  const found = lookup(s, path);
  if (!found.ok) return { done: err(found.errno) };
  const node = s.inodes.get(found.ino)!;
  if (node.type === 'dir') return { done: err(21) };
  if (length < 0) return { done: err(22) };
  if (length > MAX_MODEL_SIZE) throw new Unmodelled(`files larger than ${MAX_MODEL_SIZE} bytes`);
  node.writecount++; // get_write_access before break_lease(O_WRONLY)
  const br = breakLease(s, p, found.ino, true, false);
  if (br === 'block') {
    p.status = { k: 'blocked', step: -1, reported: false, wait: { kind: 'truncate-break', ino: found.ino, file: null, fd: -1, cloexec: false, wantWrite: true, truncateTo: length, result: '' } };
    s.why.push(`${p.name}'s truncate blocks in break_lease until the lease is released or lease-break-time passes`);
    return { blocked: true };
  }
  node.writecount--;
  if (br === 'eintr') return { done: err(4) };
  if (br === 'died') return { done: err(0) };
  truncateInode(s, found.ino, length);
  return { done: ok(0) };
}

export function doFtruncate(s: KState, f: OpenFile, length: number): StepResult {
  if (f.kind === 'path') return err(9);
  if (f.kind !== 'reg' || !f.write) return err(22);
  if (length < 0) return err(22);
  if (length > MAX_MODEL_SIZE) throw new Unmodelled(`files larger than ${MAX_MODEL_SIZE} bytes`);
  truncateInode(s, f.ino, length);
  return ok(0);
}

export function doFallocate(s: KState, f: OpenFile, mode: number, off: number, len: number): StepResult {
  if (f.kind === 'path') return err(9);
  if (off < 0 || len <= 0) return err(22);
  if (mode === 2) return err(95); // PUNCH_HOLE needs KEEP_SIZE (vfs_fallocate -> EOPNOTSUPP)
  if (!f.write) return err(9);
  if (f.kind !== 'reg') return err(f.kind === 'dir' ? 21 : 19);
  const node = s.inodes.get(f.ino)!;
  if (mode === 0) {
    if (off + len > MAX_MODEL_SIZE) throw new Unmodelled(`files larger than ${MAX_MODEL_SIZE} bytes`);
    if (off + len > node.size) node.size = off + len;
    return ok(0);
  }
  if (mode === 1) return ok(0); // KEEP_SIZE: blocks only, no visible size or data change
  if (mode === 3) { // PUNCH_HOLE|KEEP_SIZE
    notePunched(s, node.ino, off, len);
    const end = Math.min(off + len, node.data.length);
    if (off < end) node.data = node.data.slice(0, off) + '\0'.repeat(end - off) + node.data.slice(end);
    return ok(0);
  }
  throw new Unmodelled(`fallocate mode 0x${mode.toString(16)}`);
}

export function doUnlink(s: KState, path: string): StepResult {
  const found = lookup(s, path);
  if (!found.ok) return err(found.errno);
  if (s.inodes.get(found.ino)!.type === 'dir') return err(21);
  dropName(s, found.path);
  gcInode(s, found.ino);
  return ok(0);
}

export function doRmdir(s: KState, path: string): StepResult {
  const found = lookup(s, path);
  if (!found.ok) return err(found.errno);
  if (found.path === '') throw new Unmodelled('rmdir of the scenario directory');
  if (s.inodes.get(found.ino)!.type !== 'dir') return err(20);
  if (!isEmptyDir(s, found.path)) return err(39);
  dropName(s, found.path);
  gcInode(s, found.ino);
  return ok(0);
}

export function doMkdir(s: KState, path: string, mode: number): StepResult {
  const found = lookup(s, path);
  if (found.ok) return err(17);
  if (found.path === undefined) return err(found.errno);
  createInode(s, found.path, 'dir', mode & 0o7777 & ~UMASK);
  return ok(0);
}

export function doLink(s: KState, from: string, to: string): StepResult {
  const a = lookup(s, from);
  if (!a.ok) return err(a.errno);
  const b = lookup(s, to);
  if (b.ok) return err(17);
  if (b.path === undefined) return err(b.errno);
  const node = s.inodes.get(a.ino)!;
  if (node.type === 'dir') return err(1);
  node.nlink++;
  s.names.set(b.path, a.ino);
  return ok(0);
}

export function doRename(s: KState, from: string, to: string): StepResult {
  const a = lookup(s, from);
  if (!a.ok) return err(a.errno);
  if (a.path === '') throw new Unmodelled('rename of the scenario directory');
  const b = lookup(s, to);
  if (!b.ok && b.path === undefined) return err(b.errno);
  const target = b.ok ? b.path : b.path!;
  const src = s.inodes.get(a.ino)!;
  if (target === a.path || (target + '/').startsWith(a.path + '/')) {
    if (target === a.path) return ok(0);
    return err(22); // moving a directory below itself
  }
  if (b.ok) {
    if (b.ino === a.ino) return ok(0); // hard links to one inode: rename does nothing
    const dst = s.inodes.get(b.ino)!;
    if (src.type !== 'dir' && dst.type === 'dir') return err(21);
    if (src.type === 'dir' && dst.type !== 'dir') return err(20);
    if (dst.type === 'dir' && !isEmptyDir(s, b.path)) return err(39);
    dropName(s, b.path);
    moveName(s, a.path, target);
    gcInode(s, b.ino);
    return ok(0);
  }
  moveName(s, a.path, target);
  return ok(0);
}

export function statxOf(s: KState, ino: number): StepResult {
  const node = s.inodes.get(ino)!;
  const type = node.type === 'dir' ? 0o040000 : 0o100000;
  // Directory sizes are filesystem specific; only files' sizes are predicted.
  return { ret: 0, errno: 0, statx: node.type === 'dir' ? { mode: type | node.mode, nlink: node.nlink } : { mode: type | node.mode, nlink: node.nlink, size: node.size } };
}

/**
 * statx(fd, "", AT_EMPTY_PATH) of an anon-inode fd (a fanotify group): every
 * anon_inode_getfd file shares the inode alloc_anon_inode made (fs/libfs.c):
 * i_mode S_IRUSR|S_IWUSR without file type bits, nlink 1, size 0.
 */
export function statxAnonInode(): StepResult {
  return { ret: 0, errno: 0, statx: { mode: 0o600, nlink: 1, size: 0 } };
}

export function doStatxPath(s: KState, path: string): StepResult {
  const found = lookup(s, normPath(path));
  if (!found.ok) return err(found.errno);
  if (found.path === '') throw new Unmodelled('statx of the scenario directory itself');
  return statxOf(s, found.ino);
}

/** readlink("/proc/self/fd/N"): d_path of the open file; "${dir}" stands for the scenario directory. */
export function readlinkOf(f: OpenFile): StepResult {
  if (f.kind === 'stdio') return { ret: '/dev/null'.length, errno: 0, link: '/dev/null' };
  if (f.kind === 'fanotify') return { ret: 'anon_inode:[fanotify]'.length, errno: 0, link: 'anon_inode:[fanotify]' };
  const link = (f.path === '' ? '${dir}' : '${dir}/' + f.path) + (f.unlinked ? ' (deleted)' : '');
  return { ret: -2, errno: 0, link };
}
