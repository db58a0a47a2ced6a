// File leases as fs/locks.c (6.1) keeps them: F_SETLEASE / F_GETLEASE,
// check_conflicting_open, lease_modify side effects (fasync, f_owner, F_SETSIG
// reset), __break_lease (pending flags, SIGIO via lm_break, O_NONBLOCK
// EWOULDBLOCK, blocking) and time_out_leases against the model clock.

import { F, O } from '../scenario/flags.js';
import type { Inode, KState, Lease, OpenFile, Proc, StepResult } from './state.js';
import { POLL_MSG, sendSigio } from './sigio.js';
import { completeBlocked } from './blocked.js';
import type { ModelOptions } from './options.js';
import { clone } from './state.js';
import { mayLease, ownerCred, uidOf } from './cred.js';
import { breakNotifies, leaseRegistered } from './lease-close-shutdown.js';

const ok = (ret: number): StepResult => ({ ret, errno: 0 });
const err = (errno: number): StepResult => ({ ret: -1, errno });

/** locks_conflict(breaker, lease) for leases: any write side conflicts. */
export function conflicts(l: Lease, wantWrite: boolean): boolean {
  if (l.layout !== undefined) return false; // leases_conflict: FL_LAYOUT only meets FL_LAYOUT breakers (map-direct.ts)
  return wantWrite || l.type === F.WRLCK;
}

export type Expiry = 'no' | 'maybe' | 'yes';

/** Has a deadline passed, given that the model clock is a lower bound of real time? */
export function expiry(at: number | null, clock: number, slackMs: number): Expiry {
  if (at === null) return 'no';
  if (clock >= at + slackMs) return 'yes';
  if (clock >= at - slackMs) return 'maybe';
  return 'no';
}

/** lease_modify: change the type; F_UNLCK also drops owner, F_SETSIG and the fasync entry. */
export function leaseModify(s: KState, inode: Inode, l: Lease, arg: number): void {
  if (arg === F.UNLCK) {
    l.unlockPending = false;
    l.downgradePending = false;
    const f = s.files.get(l.file) ?? blockedFile(s, l.file);
    if (f) {
      f.owner = { type: 'tgid', id: null, signum: 0 }; // f_delown + signum = 0
      f.flags &= ~O.ASYNC; // fasync_helper(0, ...) clears FASYNC
    }
    inode.leases = inode.leases.filter((x) => x !== l);
  } else {
    l.type = arg as 0 | 1;
    if (arg === F.RDLCK) l.downgradePending = false; // lease_clear_pending
  }
  wakeBreakers(s);
}

function blockedFile(s: KState, id: number): OpenFile | undefined {
  for (const p of s.procs) if (p.status.k === 'blocked' && p.status.wait.file?.id === id) return p.status.wait.file;
  return undefined;
}

/** __fput -> locks_remove_file -> locks_remove_lease. */
export function removeLeasesOf(s: KState, f: OpenFile): void {
  const inode = s.inodes.get(f.ino);
  if (!inode) return;
  for (const l of inode.leases.filter((x) => x.file === f.id)) {
    s.why.push(`last fput of the lease holder's file removes its lease (locks_remove_lease)`);
    leaseModify(s, inode, l, F.UNLCK);
  }
}

/** time_out_leases with each deadline decided by `passed`. */
export function timeOutLeases(s: KState, inode: Inode, passed: (at: number | null) => boolean): void {
  for (const l of [...inode.leases]) {
    if (l.layout !== undefined) continue; // MAP_DIRECT: fl_break_time 0, revoked by its own timer (map-direct.ts)
    if (passed(l.downgradeAt)) {
      s.why.push('lease-break-time passed: lease downgraded to F_RDLCK (time_out_leases)');
      leaseModify(s, inode, l, F.RDLCK);
    }
    if (passed(l.breakAt)) {
      s.why.push('lease-break-time passed: lease removed (time_out_leases)');
      leaseModify(s, inode, l, F.UNLCK);
    }
  }
}

/**
 * The states time_out_leases(inode) may leave, one per combination of
 * deadlines that may or may not have passed by now.
 */
export function timeOutBranches(s: KState, ino: number, opts: ModelOptions): KState[] {
  const inode = s.inodes.get(ino);
  if (!inode || inode.leases.length === 0) return [s];
  const maybes: number[] = [];
  for (const l of inode.leases) {
    if (l.layout !== undefined) continue;
    for (const at of [l.downgradeAt, l.breakAt]) {
      if (at !== null && expiry(at, s.clock, opts.expirySlackMs) === 'maybe' && !maybes.includes(at)) maybes.push(at);
    }
  }
  const out: KState[] = [];
  const n = 1 << Math.min(maybes.length, 4);
  for (let mask = 0; mask < n; mask++) {
    const t = n === 1 ? s : clone(s);
    const chosen = new Set(maybes.filter((_, i) => (mask >> i) & 1));
    const ti = t.inodes.get(ino)!;
    timeOutLeases(t, ti, (at) => at !== null && (expiry(at, t.clock, opts.expirySlackMs) === 'yes' || chosen.has(at)));
    out.push(t);
  }
  return out;
}

/** F_GETLEASE (fcntl_getlease): the target type of this file's lease, else F_UNLCK. */
export function getLease(s: KState, f: OpenFile): number {
  const inode = s.inodes.get(f.ino);
  const l = inode?.leases.find((x) => x.file === f.id);
  if (!l) return F.UNLCK;
  if (l.unlockPending) return F.UNLCK;
  if (l.downgradePending) return F.RDLCK;
  return l.type;
}

/** check_conflicting_open: F_RDLCK needs no writer; F_WRLCK needs this file to be the only opener. */
function conflictingOpen(inode: Inode, f: OpenFile, arg: number): boolean {
  if (arg === F.RDLCK) return inode.writecount > 0;
  const selfW = f.write ? 1 : 0;
  const selfR = f.read && !f.write ? 1 : 0;
  return inode.writecount !== selfW || inode.readcount !== selfR;
}

/** F_SETLEASE through fd (time_out_leases already applied by the caller). */
export function setLease(s: KState, p: Proc, fd: number, f: OpenFile, arg: number): StepResult {
  if (arg !== F.RDLCK && arg !== F.WRLCK && arg !== F.UNLCK) {
    s.why.push(`F_SETLEASE ${arg}: not F_RDLCK/F_WRLCK/F_UNLCK -> EINVAL (lease_init assign_type)`);
    return err(22);
  }
  if (!mayLease(p)) {
    s.why.push(`F_SETLEASE by ${p.name} (uid ${uidOf(p)}): not the inode's owner and no CAP_LEASE -> EACCES (generic_setlease; F_UNLCK too)`);
    return err(13);
  }
  const inode = f.kind === 'reg' ? s.inodes.get(f.ino) : undefined;
  if (!inode || inode.type !== 'reg') {
    s.why.push('F_SETLEASE on a non-regular file -> EINVAL (generic_setlease !S_ISREG)');
    return err(22);
  }
  const mine = inode.leases.find((l) => l.file === f.id && l.layout === undefined); // a MAP_DIRECT lease has another fl_owner
  if (arg === F.UNLCK) {
    if (!mine) {
      s.why.push('F_SETLEASE F_UNLCK without a lease on this struct file -> EAGAIN (generic_delete_lease)');
      return err(11);
    }
    s.why.push('F_SETLEASE F_UNLCK: lease removed, F_GETOWN/F_GETSIG reset, O_ASYNC cleared (lease_modify)');
    leaseModify(s, inode, mine, F.UNLCK);
    return ok(0);
  }
  if (conflictingOpen(inode, f, arg)) {
    s.why.push(arg === F.RDLCK
      ? `F_SETLEASE F_RDLCK: inode open for write (i_writecount ${inode.writecount}) -> EAGAIN (check_conflicting_open)`
      : `F_SETLEASE F_WRLCK: other opens (i_writecount ${inode.writecount}, i_readcount ${inode.readcount}) -> EAGAIN (check_conflicting_open)`);
    return err(11);
  }
  for (const l of inode.leases) {
    if (l === mine) continue;
    if (arg === F.WRLCK) {
      s.why.push('F_SETLEASE F_WRLCK while another file holds a lease -> EAGAIN (generic_add_lease)');
      return err(11);
    }
    if (l.unlockPending) {
      s.why.push('F_SETLEASE while another lease is being broken for a writer -> EAGAIN (generic_add_lease)');
      return err(11);
    }
  }
  if (mine) {
    s.why.push(`F_SETLEASE changes this file's lease to type ${arg} (lease_modify)`);
    leaseModify(s, inode, mine, arg);
    leaseRegistered(mine, p, fd, f); // lm_setup: fasync_insert_entry updates fa_fd
  } else {
    if (s.sysctl.leasesEnable === 0) {
      s.why.push('fs.leases-enable=0 -> EINVAL (generic_add_lease)');
      return err(22);
    }
    inode.leases.push({ file: f.id, type: arg as 0 | 1, unlockPending: false, downgradePending: false, breakAt: null, downgradeAt: null, faFd: fd, faProc: p.name, faTable: p.table });
    f.flags |= O.ASYNC; // fasync_insert_entry sets FASYNC
    s.why.push(`F_SETLEASE ${arg === F.RDLCK ? 'F_RDLCK' : 'F_WRLCK'} granted; fa_fd ${fd}; O_ASYNC set`);
  }
  if (f.owner.id === null) {
    f.owner = { type: 'tgid', id: p.pid, signum: f.owner.signum, ...ownerCred(p) }; // __f_setown(..., force=0)
    s.why.push(`lease_setup: no owner yet, F_SETOWN becomes ${p.name}`);
  }
  return ok(0);
}

export type BreakOutcome = 'none' | 'wouldblock' | 'block' | 'eintr' | 'died';

/**
 * __break_lease for an opener/truncater in process p (time_out_leases already
 * applied). Marks conflicting leases pending and signals their owners.
 */
export function breakLease(s: KState, p: Proc, ino: number, wantWrite: boolean, nonblock: boolean): BreakOutcome {
  const inode = s.inodes.get(ino);
  if (!inode || !inode.leases.some((l) => conflicts(l, wantWrite))) return 'none';
  const at = s.sysctl.leaseBreakTime > 0 ? s.clock + s.sysctl.leaseBreakTime * 1000 : null;
  const caughtBefore = p.unwaited.length;
  for (const l of [...inode.leases]) {
    if (!conflicts(l, wantWrite)) continue;
    if (wantWrite) {
      if (l.unlockPending) continue;
      l.unlockPending = true;
      l.breakAt = at;
    } else {
      if (l.unlockPending || l.downgradePending) continue;
      l.downgradePending = true;
      l.downgradeAt = at;
    }
    s.why.push(`${p.name}'s ${wantWrite ? 'write' : 'read'} open breaks the lease: ${wantWrite ? 'FL_UNLOCK_PENDING' : 'FL_DOWNGRADE_PENDING'}, deadline ${at === null ? 'never' : `${s.sysctl.leaseBreakTime}s`}; lm_break -> kill_fasync(SIGIO, POLL_MSG)`);
    const f = s.files.get(l.file);
    if (f && breakNotifies(s, l)) sendSigio(s, f, l.faFd, POLL_MSG);
  }
  if (!p.alive) return 'died';
  if (inode.leases.length === 0) return 'none';
  if (nonblock) {
    s.why.push('O_NONBLOCK breaker -> EWOULDBLOCK, the break stays in progress (__break_lease)');
    return 'wouldblock';
  }
  if (p.unwaited.length > caughtBefore) {
    s.why.push(`${p.name} caught a signal during its own lease break -> EINTR`);
    return 'eintr';
  }
  if (!inode.leases.some((l) => conflicts(l, wantWrite))) return 'none';
  return 'block';
}

/** Blocked breakers whose conflicting leases are gone complete now. */
export function wakeBreakers(s: KState): void {
  for (const p of s.procs) {
    if (p.status.k !== 'blocked') continue;
    const w = p.status.wait;
    const inode = s.inodes.get(w.ino);
    const waits = w.kind === 'layout-break' ? (l: Lease) => l.layout !== undefined : (l: Lease) => conflicts(l, w.wantWrite);
    if (inode && inode.leases.some(waits)) continue;
    completeBlocked(s, p);
  }
}

/** Deadlines that concern a blocked breaker (it sleeps until then and re-checks). */
export function breakerDeadlines(s: KState): { ino: number; at: number }[] {
  const out: { ino: number; at: number }[] = [];
  for (const p of s.procs) {
    if (p.status.k !== 'blocked') continue;
    const inode = s.inodes.get(p.status.wait.ino);
    if (!inode) continue;
    for (const l of inode.leases) {
      if (l.layout !== undefined) continue; // MAP_DIRECT deadlines are map-direct.ts's hidden step
      if (l.downgradePending && l.downgradeAt !== null) out.push({ ino: inode.ino, at: l.downgradeAt });
      if (l.unlockPending && l.breakAt !== null) out.push({ ino: inode.ino, at: l.breakAt });
    }
  }
  return out;
}
