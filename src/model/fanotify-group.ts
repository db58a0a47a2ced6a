// fanotify_init (fs/notify/fanotify/fanotify_user.c, 6.1): flag validation in
// the kernel's order, the group and its anon-inode file (anon_inode_getfd
// keeps only O_ACCMODE|O_NONBLOCK of O_RDWR|__FMODE_NONOTIFY|...), the
// max_user_groups limit, max_events sampled now; and fanotify_release, which
// ALLOWs every pending permission event when the group file goes. Without
// CAP_SYS_ADMIN (the setuid step) only a FID-mode notification group without
// admin flags is allowed, and it is marked FANOTIFY_UNPRIV.

import { O } from '../scenario/flags.js';
import type { KState, Proc, StepResult } from './state.js';
import { installFd, newFile } from './files.js';
import { bindName } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { FAN, FID_BITS, type FanGroup } from './fanotify-state.js';
import { fanOf } from './fanotify-event.js';
import { capable, uidOf } from './cred.js';
import { unusedFd } from './rlimit.js';

/** FANOTIFY_INIT_FLAGS | FAN_ENABLE_AUDIT (Debian's 6.1 has CONFIG_AUDITSYSCALL). */
const INIT_FLAGS = 0x1fff;
/** FANOTIFY_INIT_ALL_EVENT_F_BITS. */
const EVENT_F_BITS = O.ACCMODE | O.APPEND | O.NONBLOCK | O.SYNC_BIT | O.DSYNC | O.CLOEXEC | O.LARGEFILE | O.NOATIME;
/** FANOTIFY_ADMIN_INIT_FLAGS: permission classes, TID, PIDFD, UNLIMITED_QUEUE, UNLIMITED_MARKS. */
const ADMIN_INIT_FLAGS = FAN.CLASS_CONTENT | FAN.CLASS_PRE_CONTENT | FAN.REPORT_TID | FAN.REPORT_PIDFD | FAN.UNLIMITED_QUEUE | FAN.UNLIMITED_MARKS;

export function doFanotifyInit(s: KState, p: Proc, result: string, flags: number, eventFlags: number): StepResult {
  const fail = (errno: number, why: string): StepResult => {
    s.why.push(`fanotify_init: ${why}`);
    bindName(p, result, -1);
    return { ret: -1, errno };
  };
  const fid = flags & FID_BITS;
  const cls = flags & (FAN.CLASS_CONTENT | FAN.CLASS_PRE_CONTENT);
  // The capability test comes first, before any flag validation.
  const unpriv = !capable(p);
  if (unpriv && ((flags & ADMIN_INIT_FLAGS) || !fid)) return fail(1, `${p.name} lacks CAP_SYS_ADMIN and the flags ${fid ? 'include admin-only bits' : 'name no FID report mode'} -> EPERM`);
  if (flags & ~INIT_FLAGS) return fail(22, 'unknown flag -> EINVAL');
  if ((flags & FAN.REPORT_PIDFD) && (flags & FAN.REPORT_TID)) return fail(22, 'FAN_REPORT_PIDFD with FAN_REPORT_TID -> EINVAL');
  if (eventFlags & ~EVENT_F_BITS) return fail(22, 'event_f_flags outside FANOTIFY_INIT_ALL_EVENT_F_BITS -> EINVAL');
  if ((eventFlags & O.ACCMODE) === 3) return fail(22, 'event_f_flags access mode 3 -> EINVAL');
  if (fid && cls !== 0) return fail(22, 'a FID report mode needs FAN_CLASS_NOTIF -> EINVAL');
  if ((fid & FAN.REPORT_NAME) && !(fid & FAN.REPORT_DIR_FID)) return fail(22, 'FAN_REPORT_NAME without FAN_REPORT_DIR_FID -> EINVAL');
  if ((fid & FAN.REPORT_TARGET_FID) && (!(fid & FAN.REPORT_NAME) || !(fid & FAN.REPORT_FID))) return fail(22, 'FAN_REPORT_TARGET_FID without FAN_REPORT_NAME and FAN_REPORT_FID -> EINVAL');
  const fan = fanOf(s);
  const live = fan.groups.filter((g) => g.alive && g.uid === uidOf(p)).length;
  if (live >= fan.maxGroups) return fail(24, `${live} groups of uid ${uidOf(p)} exist, max_user_groups is ${fan.maxGroups} (inc_ucount fails) -> EMFILE`);
  if (cls === (FAN.CLASS_CONTENT | FAN.CLASS_PRE_CONTENT)) return fail(22, 'class bits 0xc are no class -> EINVAL');
  if (flags & FAN.REPORT_PIDFD) throw new Unmodelled('FAN_REPORT_PIDFD (pidfd info records)');
  if ((flags & FAN.ENABLE_AUDIT) && unpriv) return fail(1, 'FAN_ENABLE_AUDIT without CAP_AUDIT_WRITE -> EPERM');
  if (flags & FAN.ENABLE_AUDIT) throw new Unmodelled('FAN_ENABLE_AUDIT');
  const fd = unusedFd(p); // anon_inode_getfd -> get_unused_fd_flags, after the group exists
  if (fd === null) return fail(24, `no fd below ${p.name}'s RLIMIT_NOFILE ${p.nofile} -> EMFILE (the group is destroyed)`);
  const file = newFile(s, { kind: 'fanotify', ino: -1, flags: O.RDWR | (flags & FAN.NONBLOCK ? O.NONBLOCK : 0), read: true, write: true, path: 'anon_inode:[fanotify]', unlinked: false });
  const g: FanGroup = {
    id: fan.groups.length + 1, file: file.id, flags, eventFlags: (eventFlags | O.LARGEFILE) >>> 0, uid: uidOf(p), unpriv,
    maxEvents: flags & FAN.UNLIMITED_QUEUE ? null : fan.maxQueued, marks: [], queue: [], access: [], alive: true,
  };
  file.group = g.id;
  fan.groups.push(g);
  installFd(s, p, fd, file, (flags & FAN.CLOEXEC) !== 0);
  bindName(p, result, fd);
  s.why.push(`fanotify_init: group ${g.id}${unpriv ? ' (FANOTIFY_UNPRIV)' : ''} on fd ${fd}, max_events ${g.maxEvents ?? 'unlimited'} sampled now, event_f_flags|O_LARGEFILE`);
  return { ret: fd, errno: 0 };
}

export function groupOfFile(s: KState, f: { kind: string; group?: number } | undefined): FanGroup | undefined {
  if (!f || f.kind !== 'fanotify' || f.group === undefined || !s.fan) return undefined;
  return s.fan.groups.find((g) => g.id === f.group);
}

/** fanotify_release: marks go, queued events are destroyed, permission events ALLOWed. */
export function releaseGroup(s: KState, id: number): void {
  const fan = s.fan;
  const g = fan?.groups.find((x) => x.id === id);
  if (!fan || !g || !g.alive) return;
  g.alive = false;
  for (const e of [...g.access, ...g.queue]) {
    if (!e.perm) continue;
    e.perm = { state: 'answered', fd: e.perm.fd, response: FAN.ALLOW };
    fan.answered.push(e);
    s.why.push(`group ${g.id} released: pending permission event ${e.id} of ${e.pid} is ALLOWed (fanotify_release)`);
  }
  g.access = [];
  g.queue = [];
  g.marks = [];
}
