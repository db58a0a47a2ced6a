// read(2) of a fanotify group (fanotify_user.c fanotify_read, get_one_event,
// copy_event_to_user, create_fd; 6.1): whole events only (a first event that
// does not fit -> EINVAL), an empty queue gives EAGAIN with FAN_NONBLOCK;
// each fd-mode event gets a new struct file (dentry_open of the event's path
// with event_f_flags|__FMODE_NONOTIFY, fd flags from get_unused_fd_flags);
// permission events move to the access list under that fd number.

import type { FdRef } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { KState, OpenFile, PredictedFanEvent, Proc, StepResult } from './state.js';
import { fileOfFd, installFd, lowestFreeFd, newFile } from './files.js';
import { bindName } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { groupOfFile } from './fanotify-group.js';
import { FMODE_NONOTIFY, type FanEvent } from './fanotify-state.js';

const META_LEN = 24;
/** Largest FID record: header 4 + fsid 8 + file_handle 8 + MAX_HANDLE_SZ 128 + name 256. */
const MAX_RECORD = 4 + 8 + 8 + 128 + 256;

export function doFanotifyRead(s: KState, p: Proc, fd: FdRef, fdNum: number, count: number, names: string[]): StepResult {
  const f = fileOfFd(s, p, fdNum);
  for (const n of names) bindName(p, n, -1);
  if (!f) return { ret: -1, errno: 9 };
  const g = groupOfFile(s, f);
  if (!g) throw new Unmodelled(`fanotify_read of a ${f.kind} fd`);
  void fd;
  const fid = g.queue.some((e) => e.info !== null && !e.overflow);
  if (g.queue.length === 0) {
    if (f.flags & O.NONBLOCK) {
      s.why.push(`fanotify_read: group ${g.id}'s queue is empty and the fd is O_NONBLOCK -> EAGAIN`);
      return { ret: -1, errno: 11 };
    }
    throw new Unmodelled('a blocking fanotify_read on an empty queue (use FAN_NONBLOCK)');
  }
  let take: FanEvent[];
  if (fid) {
    const upper = g.queue.reduce((n, e) => n + META_LEN + (e.info?.length ?? 0) * MAX_RECORD, 0);
    if (count < upper) throw new Unmodelled('a fanotify_read buffer that may split FID events (their length depends on the filesystem handle)');
    take = g.queue.slice();
  } else {
    const n = Math.floor(count / META_LEN);
    if (n === 0) {
      s.why.push(`fanotify_read: the next event (${META_LEN} bytes) does not fit in ${count} -> EINVAL`);
      return { ret: -1, errno: 22 };
    }
    take = g.queue.slice(0, n);
  }
  g.queue = g.queue.slice(take.length);
  const events: PredictedFanEvent[] = [];
  let nameAt = 0;
  for (const e of take) {
    let efd = -1;
    let file: OpenFile | null = null;
    if (e.info === null && !e.overflow) {
      file = eventFile(s, g.eventFlags, e);
      efd = lowestFreeFd(p, 0);
      installFd(s, p, efd, file, (g.eventFlags & O.CLOEXEC) !== 0);
    }
    let name: string | null = null;
    if (efd >= 0 && nameAt < names.length) {
      name = names[nameAt++]!;
      bindName(p, name, efd);
    }
    if (e.perm) {
      e.perm = { state: 'reported', fd: efd, response: 0 };
      g.access.push(e);
    }
    events.push({
      mask: e.mask, fd: efd, pid: e.pid, eventLen: e.info === null ? META_LEN : null, name,
      link: file ? (file.path === '' ? '${dir}' : '${dir}/' + file.path) + (file.unlinked ? ' (deleted)' : '') : null,
      flags: file ? file.flags : null, fdFlags: file ? ((g.eventFlags & O.CLOEXEC) !== 0 ? 1 : 0) : null, offset: file ? 0 : null,
      info: (e.info ?? []).map((i) => ({ ...i })),
    });
  }
  s.why.push(`fanotify_read: ${take.length} event(s) from group ${g.id}; each fd-mode event gets a fresh open (offset 0, event_f_flags|__FMODE_NONOTIFY)`);
  return { ret: fid ? -3 : take.length * META_LEN, errno: 0, events };
}

/** create_fd -> dentry_open: a new open file description of the event's path. */
function eventFile(s: KState, eventFlags: number, e: FanEvent): OpenFile {
  const node = s.inodes.get(e.ino);
  if (!node) throw new Unmodelled('event on an inode the model no longer has');
  const acc = eventFlags & O.ACCMODE;
  // dentry_open calls break_lease too: a read-only event fd conflicts with no read lease.
  if (node.leases.some((l) => l.type !== 0 || acc !== O.RDONLY)) throw new Unmodelled('event fd that breaks a lease (dentry_open -> break_lease)');
  if (node.type === 'dir' && acc !== O.RDONLY) throw new Unmodelled('event fd of a directory with a writable event_f_flags (create_fd fails)');
  const file = newFile(s, {
    kind: node.type, ino: e.ino, flags: ((eventFlags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC)) | FMODE_NONOTIFY) >>> 0,
    read: acc === O.RDONLY || acc === O.RDWR, write: acc === O.WRONLY || acc === O.RDWR, path: e.path, unlinked: e.unlinked,
  });
  if (file.read && !file.write) node.readcount++;
  if (file.write) node.writecount++;
  return file;
}
