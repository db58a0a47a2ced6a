// The dispatcher's fanotify entry points (src/model/step.ts calls these):
// the four fanotify ops, the data syscalls' hooks (FAN_ACCESS_PERM before a
// read, FAN_ACCESS / FAN_MODIFY after), and the fs.fanotify sysctls.

import type { FdRef, Op } from '../scenario/ast.js';
import type { KState, OpenFile, Proc, StepResult } from './state.js';
import { Unmodelled } from './unmodelled.js';
import * as io from './io.js';
import { doFanotifyInit } from './fanotify-group.js';
import { doFanotifyMark } from './fanotify-mark.js';
import { doFanotifyRead } from './fanotify-read.js';
import { doFanotifyResponse } from './fanotify-perm.js';
import { fanAccessed, fanAccessPerm, fanModified } from './fanotify-hooks.js';
import { fanOf } from './fanotify-event.js';

type FanOp = Extract<Op, { kind: 'fanotify_init' | 'fanotify_mark' | 'fanotify_read' | 'fanotify_response' }>;

export function fanotifyOp(s: KState, p: Proc, op: FanOp, fdNum: (r: FdRef) => number): StepResult {
  switch (op.kind) {
    case 'fanotify_init': return doFanotifyInit(s, p, op.result, op.flags, op.eventFlags);
    case 'fanotify_mark': return doFanotifyMark(s, p, fdNum, op);
    case 'fanotify_read': return doFanotifyRead(s, p, op.fd, fdNum(op.fd), op.count, op.results);
    case 'fanotify_response': return doFanotifyResponse(s, p, fdNum(op.fd), fdNum(op.eventFd), op.response);
  }
}

/** read/pread: vfs_read's checks, then FAN_ACCESS_PERM (may block), the read, FAN_ACCESS if bytes moved. */
export function fanotifyAwareRead(s: KState, p: Proc, f: OpenFile, count: number, offset: number | null): StepResult | 'blocked' {
  if (f.kind === 'fanotify') throw new Unmodelled('plain read of a fanotify fd (use fanotify_read)');
  if (f.read && f.kind !== 'stdio' && !(offset !== null && offset < 0)) {
    const perm = fanAccessPerm(s, p, f);
    if (perm !== null) {
      p.status = { k: 'blocked', step: -1, reported: false, wait: { kind: 'read-perm', ino: f.ino, file: null, fd: -1, cloexec: false, wantWrite: false, truncateTo: null, result: '', permEvent: perm, read: { file: f.id, count, offset } } };
      s.why.push(`${p.name}'s read waits for a fanotify permission response (FAN_ACCESS_PERM)`);
      return 'blocked';
    }
  }
  const r = io.doRead(s, f, count, offset);
  if (r.ret > 0) fanAccessed(s, p, f);
  return r;
}

export function fanotifyAwareWrite(s: KState, p: Proc, f: OpenFile, r: StepResult): StepResult {
  if (r.ret > 0) fanModified(s, p, f);
  return r;
}

/** /proc/sys/fs/fanotify/*: true when the name is one of them. */
export function fanSysctl(s: KState, name: string, value: number): boolean {
  if (name === 'fs.fanotify.max_queued_events') fanOf(s).maxQueued = value;
  else if (name === 'fs.fanotify.max_user_groups') fanOf(s).maxGroups = value;
  else if (name === 'fs.fanotify.max_user_marks') fanOf(s).maxMarks = value; // init_user_ns.ucount_max: effective at once
  else return false;
  return true;
}
