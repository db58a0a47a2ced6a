// SIGIO delivery (fs/fcntl.c send_sigio / send_sigio_to_task) and what a
// delivered signal does to a scenario process (kernel/signal.c default
// actions; the runner's SA_SIGINFO handler without SA_RESTART).

import type { SignalDisposition } from '../scenario/ast.js';
import { SIGRTMAX, SIGRTMIN } from '../scenario/flags.js';
import type { KState, OpenFile, Proc } from './state.js';
import { abortBlocked } from './blocked.js';
import { doExit } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { sigioPerm, uidOf } from './cred.js';

export const SIGIO = 29;
export const SIGURG = 23;
export const POLL_MSG = 3;
export const SI_KERNEL = 0x80;
export const SI_SIGIO = -5;
/** band_table[POLL_MSG - POLL_IN] = EPOLLIN|EPOLLRDNORM|EPOLLMSG, mangle_poll on x86: 0x441. */
export const BAND_POLL_MSG = 0x441;

// sig_specific_sicodes(): SIGILL SIGFPE SIGSEGV SIGBUS SIGTRAP SIGCHLD SIGPOLL SIGSYS.
const SPECIFIC_SICODES = new Set([4, 8, 11, 7, 5, 17, 29, 31]);
const DEFAULT_IGNORE = new Set([17, 18, 23, 28]); // SIGCHLD SIGCONT SIGURG SIGWINCH
const DEFAULT_STOP = new Set([19, 20, 21, 22]);

/** The runner catches SIGIO, SIGURG and SIGRTMIN..SIGRTMAX unless a step changed it. */
export function dispositionOf(p: Proc, signo: number): SignalDisposition {
  const d = p.dispo[signo];
  if (d) return d;
  return signo === SIGIO || signo === SIGURG || (signo >= SIGRTMIN && signo <= SIGRTMAX) ? 'catch' : 'default';
}

export interface SigInfo {
  signo: number;
  code: number;
  fd: number;
  band: number;
}

/** Sends the file's SIGIO (or F_SETSIG signal) for `reason` to its f_owner. */
export function sendSigio(s: KState, file: OpenFile, faFd: number, reason: number): void {
  const own = file.owner;
  if (own.id === null) {
    s.why.push(`send_sigio: file has no owner (F_SETOWN unset), no signal`);
    return;
  }
  const targets = own.type === 'pgid'
    ? s.procs.filter((p) => p.alive && p.pgrp === own.id)
    : s.procs.filter((p) => p.alive && p.pid === own.id);
  const signum = own.signum;
  for (const p of targets) {
    if (!sigioPerm(own, p)) {
      s.why.push(`sigio_perm: owner set by uid ${own.uid ?? 0} may not signal ${p.name} (uid ${uidOf(p)}), no signal`);
      continue;
    }
    const info: SigInfo = signum === 0
      ? { signo: SIGIO, code: SI_KERNEL, fd: 0, band: 0 }
      : { signo: signum, code: signum !== SIGIO && SPECIFIC_SICODES.has(signum) ? SI_SIGIO : reason, fd: faFd, band: BAND_POLL_MSG };
    s.why.push(signum === 0
      ? `send_sigio_to_task: F_SETSIG 0 -> plain SIGIO (SI_KERNEL, no si_fd) to ${p.name}`
      : `send_sigio_to_task: F_SETSIG ${signum} -> si_code ${info.code}, si_fd ${faFd} (fa_fd), si_band 0x441 to ${p.name}`);
    // __send_signal: PIDTYPE_PID (F_OWNER_TID) queues on the thread, the others on the process.
    deliverSignal(s, p, info, own.type === 'pid' ? 'thread' : 'process');
  }
}

/** A signal reaches process p: discarded, kills it, or is caught (and interrupts a blocked step). */
export function deliverSignal(s: KState, p: Proc, info: SigInfo, queue: 'thread' | 'process' = 'process'): void {
  if (!p.alive) return;
  const d = dispositionOf(p, info.signo);
  if (d === 'ignore' || (d === 'default' && DEFAULT_IGNORE.has(info.signo))) {
    s.why.push(`signal ${info.signo} to ${p.name} discarded (disposition ${d})`);
    return;
  }
  if (d === 'default') {
    if (DEFAULT_STOP.has(info.signo)) throw new Unmodelled(`default action "stop" of signal ${info.signo}`);
    s.why.push(`signal ${info.signo} to ${p.name}: default action terminates it`);
    doExit(s, p, { status: null, signo: info.signo });
    return;
  }
  // legacy_queue (kernel/signal.c): a standard signal already pending in the same queue
  // (the thread's own, or the process's shared one) is not queued again. Sent twice in one
  // step (a break of two leases), the first is surely still pending when the target is the
  // acting process (it is inside its own syscall); another process may or may not have
  // taken the first meanwhile, so the second may be dropped (hidden.ts).
  const step = s.stepSignals;
  const again = info.signo < 32 && step !== undefined && step.sent.some((x) => x.proc === p.name && x.signo === info.signo && x.queue === queue);
  if (again && step.actor === p.name) {
    s.why.push(`legacy_queue: signal ${info.signo} is still pending in ${p.name}'s ${queue} queue (sent earlier in its own syscall) -> not queued again`);
    return;
  }
  step?.sent.push({ proc: p.name, signo: info.signo, queue });
  s.inflight.push({ proc: p.name, ...info, ...(again ? { mergeable: true as const } : {}) });
  p.unwaited.push(info.signo);
  if (p.status.k === 'blocked') {
    // wait_event_interruptible in __break_lease; no SA_RESTART in the runner.
    s.why.push(`caught signal interrupts ${p.name}'s blocked step -> EINTR`);
    abortBlocked(s, p, 4);
  }
}
