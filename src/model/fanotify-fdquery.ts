// The fionread and poll steps (6.1): asking an fd what it holds without
// consuming anything. A fanotify group answers from its notification list:
// FIONREAD sums fanotify_event_len over it (fanotify_ioctl; read permission
// events sit on the access list and are not counted, an overflow event is),
// and fanotify_poll is POLLIN|POLLRDNORM while it is non-empty. Regular files
// and directories: do_vfs_ioctl answers FIONREAD for S_ISREG with
// i_size - f_pos (an int, so negative past EOF) and passes other inodes to
// the filesystem (ext4_ioctl / xfs_file_ioctl: ENOTTY); neither ext4 nor xfs
// has ->poll, so vfs_poll gives DEFAULT_POLLMASK. An fd that is not open
// (or an O_PATH fd, which fdget refuses) gives EBADF from ioctl and
// POLLNVAL from poll.

import type { KState, OpenFile, StepResult } from './state.js';
import { Unmodelled } from './unmodelled.js';
import { groupOfFile } from './fanotify-group.js';
import { fanEventLen } from './fanotify-len.js';

export const POLL = { IN: 0x1, PRI: 0x2, OUT: 0x4, NVAL: 0x20, RDNORM: 0x40, RDBAND: 0x80, WRNORM: 0x100, WRBAND: 0x200 } as const;
/** What the runner's poll step asks for (guest/probes/runner/fdquery.c FDQ_POLL_EVENTS). */
export const POLL_ASKED = POLL.IN | POLL.PRI | POLL.OUT | POLL.RDNORM | POLL.RDBAND | POLL.WRNORM | POLL.WRBAND;
/** DEFAULT_POLLMASK (include/linux/poll.h). */
const DEFAULT_POLLMASK = POLL.IN | POLL.OUT | POLL.RDNORM | POLL.WRNORM;

export function doFionread(s: KState, f: OpenFile | undefined): StepResult {
  if (!f || f.kind === 'path') {
    s.why.push('FIONREAD: no file behind the fd (closed, or O_PATH) -> EBADF');
    return { ret: -1, errno: 9 };
  }
  if (f.kind === 'fanotify') {
    const g = groupOfFile(s, f);
    if (!g) throw new Unmodelled('FIONREAD of a fanotify fd whose group the model lost');
    const lens = g.queue.map((e) => fanEventLen(e, s.guest));
    const n = lens.reduce((a, b) => a + b, 0);
    s.why.push(`FIONREAD: group ${g.id} has ${lens.length} queued event(s) of ${lens.join('+') || '0'} bytes -> ${n}` + (g.access.length ? ` (${g.access.length} read permission event(s) on the access list do not count)` : ''));
    return { ret: n, errno: 0 };
  }
  if (f.kind === 'reg') {
    const size = s.inodes.get(f.ino)?.size;
    if (size === undefined) throw new Unmodelled('FIONREAD of a file whose inode the model lost');
    s.why.push(`FIONREAD of a regular file: i_size ${size} - f_pos ${f.pos}`);
    return { ret: (size - f.pos) | 0, errno: 0 };
  }
  if (f.kind === 'dir') {
    s.why.push('FIONREAD of a directory: not S_ISREG, the filesystem\'s ioctl does not know it -> ENOTTY');
    return { ret: -1, errno: 25 };
  }
  throw new Unmodelled(`FIONREAD of the runner's ${f.kind} fds`);
}

/** ret = revents; the model has no waiting poll (nothing can wake it within one step). */
export function doPoll(s: KState, f: OpenFile | undefined, timeoutMs: number): StepResult {
  if (!f || f.kind === 'path') {
    s.why.push('poll: fdget fails (closed or O_PATH fd) -> revents POLLNVAL');
    return { ret: POLL.NVAL, errno: 0 };
  }
  let mask: number;
  if (f.kind === 'fanotify') {
    const g = groupOfFile(s, f);
    if (!g) throw new Unmodelled('poll of a fanotify fd whose group the model lost');
    mask = g.queue.length > 0 ? POLL.IN | POLL.RDNORM : 0;
    s.why.push(`poll: group ${g.id}'s notification list ${g.queue.length > 0 ? `holds ${g.queue.length} event(s) -> POLLIN|POLLRDNORM` : 'is empty'}`);
  } else if (f.kind === 'reg' || f.kind === 'dir') {
    mask = DEFAULT_POLLMASK;
    s.why.push('poll of an ext4/xfs file: no ->poll, DEFAULT_POLLMASK');
  } else {
    throw new Unmodelled(`poll of the runner's ${f.kind} fds`);
  }
  mask &= POLL_ASKED;
  if (mask === 0 && timeoutMs > 0) throw new Unmodelled('a poll that waits (timeout > 0 on an fd with nothing ready)');
  return { ret: mask, errno: 0 };
}
