// Permission events (fanotify_user.c fanotify_write/process_access_response,
// fanotify.c fanotify_get_response; 6.1): the answer is matched by fd number
// against the access list (oldest first, even if the listener closed that
// fd); unknown -> ENOENT; bad response -> EINVAL; write returns 8. The
// waiter resumes some time after the answer: a hidden step, which the
// checker may take at any point until the waiter's completion is seen. No
// kernel timeout in 6.1; a killed waiter cancels its event.

import type { KState, Proc, ProcStatus, StepResult } from './state.js';
import { clone } from './state.js';
import { fileOfFd } from './files.js';
import { bindName } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { groupOfFile } from './fanotify-group.js';
import { FAN } from './fanotify-state.js';
import { fanAccessed } from './fanotify-hooks.js';
import { afterPerm } from './open.js';
import * as io from './io.js';

export function doFanotifyResponse(s: KState, p: Proc, groupFd: number, eventFd: number, response: number): StepResult {
  const f = fileOfFd(s, p, groupFd);
  if (!f) return { ret: -1, errno: 9 };
  const g = groupOfFile(s, f);
  if (!g) throw new Unmodelled(`fanotify_response written to a ${f.kind} fd`);
  const fail = (errno: number, why: string): StepResult => {
    s.why.push(`fanotify response: ${why}`);
    return { ret: -1, errno };
  };
  const r = response & ~FAN.AUDIT;
  if (r !== FAN.ALLOW && r !== FAN.DENY) return fail(22, 'response is neither FAN_ALLOW nor FAN_DENY -> EINVAL');
  if ((response & FAN.AUDIT) && !(g.flags & FAN.ENABLE_AUDIT)) return fail(22, 'FAN_AUDIT without FAN_ENABLE_AUDIT -> EINVAL');
  if (eventFd < 0) return fail(22, 'fd < 0 -> EINVAL');
  const i = g.access.findIndex((e) => e.perm?.fd === eventFd);
  if (i < 0) return fail(2, `no permission event reported with fd ${eventFd} is waiting -> ENOENT`);
  const e = g.access.splice(i, 1)[0]!;
  const canceled = e.perm!.state === 'canceled';
  e.perm = { state: 'answered', fd: eventFd, response: r };
  if (!canceled) s.fan!.answered.push(e);
  s.why.push(`fanotify response: event ${e.id} (fd ${eventFd}) of ${e.pid} ${r === FAN.ALLOW ? 'ALLOWed' : 'DENIED'}; write returns 8`);
  return { ret: 8, errno: 0 };
}

/** The answer a perm wait has got, if any. */
function answerOf(s: KState, id: number | undefined): number | null {
  const e = s.fan?.answered.find((x) => x.id === id);
  return e ? e.perm!.response : null;
}

/** Resumes p's permission wait with its answer (the hidden step). */
export function resumePerm(s: KState, p: Proc): void {
  if (p.status.k !== 'blocked') return;
  const w = p.status.wait;
  const resp = answerOf(s, w.permEvent);
  if (resp === null) return;
  s.fan!.answered = s.fan!.answered.filter((e) => e.id !== w.permEvent);
  const step = p.status.step;
  const reported = p.status.reported;
  const complete = (ret: number, errno: number, data?: string): void => {
    p.status = { k: 'completed', step, reported, result: data === undefined ? { ret, errno } : { ret, errno, data } };
  };
  if (w.kind === 'open-perm' && w.file) {
    const ino = s.inodes.get(w.ino);
    if (resp === FAN.DENY) {
      if (ino && w.file.read && !w.file.write) ino.readcount--;
      if (ino && w.file.write) ino.writecount--;
      bindName(p, w.result, -1);
      s.why.push(`${p.name}'s open was denied by the fanotify listener -> EPERM (no lease break)`);
      complete(-1, 1);
      return;
    }
    p.status = { k: 'idle' };
    const o = afterPerm(s, p, w.file, w.fd, w.cloexec, w.truncateTo, w.result, w.nonblock === true, false);
    if ('blocked' in o) {
      const now = p.status as ProcStatus;
      if (now.k === 'blocked') p.status = { ...now, step, reported };
      return;
    }
    p.status = { k: 'completed', step, reported, result: o.done };
    return;
  }
  if (w.kind === 'read-perm' && w.read) {
    if (resp === FAN.DENY) {
      s.why.push(`${p.name}'s read was denied by the fanotify listener -> EPERM`);
      complete(-1, 1);
      return;
    }
    const f = s.files.get(w.read.file);
    if (!f) throw new Unmodelled('a read resuming on a file that is gone');
    const r = io.doRead(s, f, w.read.count, w.read.offset);
    if (r.ret > 0) fanAccessed(s, p, f);
    p.status = { k: 'completed', step, reported, result: r };
  }
}

/** Hidden steps: each answered waiter may or may not have resumed yet. */
export function fanHidden(s: KState): KState[] {
  if (!s.fan || s.fan.answered.length === 0) return [s];
  let out: KState[] = [s];
  for (const p of s.procs) {
    if (!p.alive || p.status.k !== 'blocked' || answerOf(s, p.status.wait.permEvent) === null) continue;
    const next: KState[] = [];
    for (const t of out) {
      const u = clone(t);
      resumePerm(u, u.procs.find((x) => x.name === p.name)!);
      next.push(t, u);
    }
    out = next;
  }
  return out;
}

/** A waiter dies or is interrupted: its queued event goes, a reported one is canceled. */
export function cancelPerm(s: KState, id: number | undefined): void {
  if (!s.fan || id === undefined) return;
  s.fan.answered = s.fan.answered.filter((e) => e.id !== id);
  for (const g of s.fan.groups) {
    g.queue = g.queue.filter((e) => e.id !== id);
    for (const e of g.access) if (e.id === id && e.perm) e.perm = { ...e.perm, state: 'canceled' };
  }
}
