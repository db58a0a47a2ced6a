// read(2) of a fanotify group (fanotify_user.c fanotify_read, get_one_event,
// copy_event_to_user, create_fd; 6.1): whole events only (a first event that
// does not fit -> EINVAL), an empty queue gives EAGAIN with FAN_NONBLOCK;
// each fd-mode event gets a new struct file (dentry_open of the event's path
// with event_f_flags|__FMODE_NONOTIFY, fd flags from get_unused_fd_flags);
// permission events move to the access list under that fd number. Event
// lengths (FID records included) come from fanotify-len.ts. A group made
// without CAP_SYS_ADMIN (FANOTIFY_UNPRIV) reports pid 0 for events of other
// processes (copy_event_to_user).

import type { FdRef } from '../scenario/ast.js';
import { O } from '../scenario/flags.js';
import type { KState, OpenFile, PredictedFanEvent, Proc, StepResult } from './state.js';
import { fileOfFd, installFd, newFile } from './files.js';
import { bindName } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { groupOfFile } from './fanotify-group.js';
import { FAN, FMODE_NONOTIFY, type FanEvent, type FanGroup } from './fanotify-state.js';
import { fanEventLen } from './fanotify-len.js';
import { unusedFd } from './rlimit.js';
import { fanOf } from './fanotify-event.js';

export function doFanotifyRead(s: KState, p: Proc, fd: FdRef, fdNum: number, count: number, names: string[]): StepResult {
  const f = fileOfFd(s, p, fdNum);
  for (const n of names) bindName(p, n, -1);
  if (!f) return { ret: -1, errno: 9 };
  const g = groupOfFile(s, f);
  if (!g) throw new Unmodelled(`fanotify_read of a ${f.kind} fd`);
  // A reader without capabilities still gets event fds of a privileged group: create_fd's
  // dentry_open makes no DAC check (only may_open on a path walk does), so its creds do not matter.
  void fd;
  if (g.queue.length === 0) {
    if (f.flags & O.NONBLOCK) {
      s.why.push(`fanotify_read: group ${g.id}'s queue is empty and the fd is O_NONBLOCK -> EAGAIN`);
      return { ret: -1, errno: 11 };
    }
    throw new Unmodelled('a blocking fanotify_read on an empty queue (use FAN_NONBLOCK)');
  }
  // get_one_event: whole events while they fit; a first one that does not -> EINVAL.
  const take: FanEvent[] = [];
  let bytes = 0;
  for (const e of g.queue) {
    const len = fanEventLen(e, s.guest);
    if (bytes + len > count) break;
    take.push(e);
    bytes += len;
  }
  if (take.length === 0) {
    s.why.push(`fanotify_read: the next event (${fanEventLen(g.queue[0]!, s.guest)} bytes) does not fit in ${count} -> EINVAL`);
    return { ret: -1, errno: 22 };
  }
  const events: PredictedFanEvent[] = [];
  let nameAt = 0;
  let copied = 0;
  for (const e of take) {
    // get_one_event has dequeued e before copy_event_to_user runs.
    g.queue = g.queue.slice(1);
    let efd = -1;
    let file: OpenFile | null = null;
    if (e.info === null && !e.overflow) {
      const fd = unusedFd(p);
      if (fd === null) return createFdFailed(s, g, e, events, copied);
      file = eventFile(s, g.eventFlags, e);
      efd = fd;
      installFd(s, p, efd, file, (g.eventFlags & O.CLOEXEC) !== 0);
    }
    copied += fanEventLen(e, s.guest);
    let name: string | null = null;
    if (efd >= 0 && nameAt < names.length) {
      name = names[nameAt++]!;
      bindName(p, name, efd);
    }
    if (e.perm) {
      e.perm = { state: 'reported', fd: efd, response: 0 };
      g.access.push(e);
    }
    // FANOTIFY_UNPRIV: the pid only of the reader's own thread group.
    const pid = g.unpriv && e.pid !== p.name ? null : e.pid;
    events.push({
      mask: e.mask, fd: efd, pid, eventLen: fanEventLen(e, s.guest), name,
      link: file ? (file.path === '' ? '${dir}' : '${dir}/' + file.path) + (file.unlinked ? ' (deleted)' : '') : null,
      flags: file ? file.flags : null, fdFlags: file ? ((g.eventFlags & O.CLOEXEC) !== 0 ? 1 : 0) : null, offset: file ? 0 : null,
      info: (e.info ?? []).map((i) => ({ ...i })),
    });
  }
  s.why.push(`fanotify_read: ${take.length} event(s) from group ${g.id}; each fd-mode event gets a fresh open (offset 0, event_f_flags|__FMODE_NONOTIFY)`);
  return { ret: bytes, errno: 0, events };
}

/**
 * create_fd failed (get_unused_fd_flags: EMFILE at RLIMIT_NOFILE): the event,
 * already dequeued, is destroyed, or, a permission event, DENIED
 * (finish_permission_event); the read returns the bytes copied before it, or
 * the errno when there are none.
 */
function createFdFailed(s: KState, g: FanGroup, e: FanEvent, events: PredictedFanEvent[], copied: number): StepResult {
  if (e.perm) {
    const canceled = e.perm.state === 'canceled';
    e.perm = { state: 'answered', fd: -1, response: FAN.DENY };
    if (!canceled) fanOf(s).answered.push(e);
    s.why.push(`fanotify_read: no fd below RLIMIT_NOFILE for permission event ${e.id} -> EMFILE, the event is DENIED (its ${e.pid} gets EPERM)`);
  } else s.why.push(`fanotify_read: no fd below RLIMIT_NOFILE for event ${e.id} (mask 0x${e.mask.toString(16)}) -> EMFILE, the event is destroyed`);
  if (events.length === 0) return { ret: -1, errno: 24 };
  s.why.push(`fanotify_read: ${events.length} event(s) were copied first, so the read returns ${copied}`);
  return { ret: copied, errno: 0, events };
}

/** create_fd -> dentry_open: a new open file description of the event's path. */
function eventFile(s: KState, eventFlags: number, e: FanEvent): OpenFile {
  const node = s.inodes.get(e.ino);
  if (!node) throw new Unmodelled('event on an inode the model no longer has');
  const acc = eventFlags & O.ACCMODE;
  // dentry_open calls break_lease too: a read-only event fd conflicts with no read lease.
  if (node.leases.some((l) => l.type !== 0 || acc !== O.RDONLY)) throw new Unmodelled('event fd that breaks a lease (dentry_open -> break_lease)');
  // A directory with O_WRONLY/O_RDWR event_f_flags: dentry_open has no EISDIR check (that is
  // may_open's, on the path walk), so the event fd is a writable directory file (get_write_access).
  const file = newFile(s, {
    kind: node.type, ino: e.ino, flags: ((eventFlags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC)) | FMODE_NONOTIFY) >>> 0,
    read: acc === O.RDONLY || acc === O.RDWR, write: acc === O.WRONLY || acc === O.RDWR, path: e.path, unlinked: e.unlinked,
  });
  if (file.read && !file.write) node.readcount++;
  if (file.write) node.writecount++;
  return file;
}
