// Steps blocked in __break_lease (fs/locks.c): completing once no conflicting
// lease is left, or failing (EINTR, process death) with their held counts and
// reserved fd given back (do_dentry_open cleanup_all, put_unused_fd).

import type { KState, Proc } from './state.js';
import { installFd } from './files.js';
import { truncateInode } from './vfs.js';
import { bindName } from './process.js';
import { cancelPerm } from './fanotify-perm.js';
import { abortLayoutBreak, finishLayoutBreak } from './map-direct-break.js';

export function completeBlocked(s: KState, p: Proc): void {
  if (p.status.k !== 'blocked') return;
  const w = p.status.wait;
  if (w.kind === 'open-perm' || w.kind === 'read-perm') return; // only an answer resumes it (fanotify-perm.ts)
  if (w.kind === 'layout-break') return finishLayoutBreak(s, p); // MAP_DIRECT breaker (map-direct-break.ts)
  const step = p.status.step;
  const reported = p.status.reported;
  if (w.truncateTo !== null) truncateInode(s, w.ino, w.truncateTo);
  if (w.kind === 'open-break' && w.file) {
    installFd(s, p, w.fd, w.file, w.cloexec);
    bindName(p, w.result, w.fd);
    s.why.push(`${p.name}'s open completes: no conflicting lease left, fd ${w.fd} installed`);
    p.status = { k: 'completed', step, reported, result: { ret: w.fd, errno: 0 } };
    return;
  }
  const ino = s.inodes.get(w.ino);
  if (ino) ino.writecount--; // truncate(2) put_write_access
  s.why.push(`${p.name}'s truncate completes: no conflicting lease left`);
  p.status = { k: 'completed', step, reported, result: { ret: 0, errno: 0 } };
}

/** The blocked step fails with errno (EINTR) or is dropped (errno 0: the process died). */
export function abortBlocked(s: KState, p: Proc, errno: number): void {
  if (p.status.k !== 'blocked') return;
  const w = p.status.wait;
  if (w.kind === 'layout-break') return abortLayoutBreak(s, p, errno);
  if (w.kind === 'open-perm' || w.kind === 'read-perm') {
    // fanotify_get_response sleeps killable: a caught signal does not interrupt it.
    if (errno !== 0) return;
    cancelPerm(s, w.permEvent);
    const node = s.inodes.get(w.ino);
    if (node && w.kind === 'open-perm' && w.file) {
      if (w.file.read && !w.file.write) node.readcount--;
      if (w.file.write) node.writecount--;
    }
    p.status = { k: 'idle' };
    return;
  }
  const ino = s.inodes.get(w.ino);
  if (ino) {
    if (w.kind === 'open-break' && w.file) {
      if (w.file.read && !w.file.write) ino.readcount--;
      if (w.file.write) ino.writecount--;
    } else {
      ino.writecount--;
    }
  }
  if (w.kind === 'open-break') bindName(p, w.result, -1);
  p.status = errno === 0 ? { k: 'idle' } : { k: 'completed', step: p.status.step, reported: p.status.reported, result: { ret: -1, errno } };
}
