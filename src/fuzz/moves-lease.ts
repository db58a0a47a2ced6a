// Lease moves: F_SETLEASE / F_GETLEASE, F_SETSIG / F_SETOWN(_EX) on the
// lease fd, breakers in other processes (O_NONBLOCK opens that fail with
// EAGAIN and start the break; blocking opens and truncates released by the
// holder), wait-signal for the SIGIO the break sends, and dispositions.
// Waits are timed as the curated suite times them: a signal the model says is
// due is waited for with a long timeout (it returns at once); one that is not
// due only briefly, so a missing or unexpected signal is seen either way.

import { F, SIGRTMIN } from '../scenario/flags.js';
import type { GenContext } from './gen-context.js';
import type { Rng } from './rng.js';
import { actor, FILES, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, openName, type MoveTable } from './moves.js';
import { FD_MOVES } from './moves-fd.js';

const SIGIO = 29, SIGUSR1 = 10;

export function setleaseMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p);
  if (!n) return false;
  const type = r.weighted([[5, F.RDLCK], [3, F.WRLCK], [3, F.UNLCK]] as const);
  return g.add(p, { kind: 'fcntl', fd: { kind: 'name', name: n }, cmd: F.SETLEASE, arg: { kind: 'int', value: type } });
}

/** Opens a file for leasing and takes a lease, in one move (the common start of the curated lease cases). */
export function leaseOpenMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const name = g.fresh('f');
  const path = r.pick(FILES);
  const wr = r.chance(0.3);
  if (!g.add(p, { kind: 'open', result: name, dir: { kind: 'cwd' }, path, flags: wr ? O_RDWR : O_RDONLY, mode: 0, at: false })) return false;
  g.add(p, { kind: 'fcntl', fd: { kind: 'name', name }, cmd: F.SETLEASE, arg: { kind: 'int', value: wr || r.chance(0.3) ? F.WRLCK : F.RDLCK } });
  return true;
}

export function leaseQueryMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p);
  if (!n) return false;
  const cmd = r.weighted([[4, F.GETLEASE], [2, F.GETOWN], [2, F.GETSIG], [1, F.GETOWN_EX], [1, F.GETFL]] as const);
  return g.add(p, { kind: 'fcntl', fd: { kind: 'name', name: n }, cmd, arg: { kind: 'none' } });
}

export function ownerMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p);
  if (!n) return false;
  const fd = { kind: 'name' as const, name: n };
  const procs = g.allProcs();
  if (r.chance(0.45)) {
    const sig = r.weighted([[3, 0], [3, SIGIO], [3, SIGRTMIN + r.int(4)], [1, SIGUSR1]] as const);
    return g.add(p, { kind: 'fcntl', fd, cmd: F.SETSIG, arg: { kind: 'int', value: sig } });
  }
  if (r.chance(0.7)) {
    const t = r.pick(procs);
    return g.add(p, { kind: 'fcntl', fd, cmd: F.SETOWN, arg: r.chance(0.15) ? { kind: 'owner', target: null, pgrp: false } : { kind: 'owner', target: { proc: t }, pgrp: r.chance(0.2) } });
  }
  return g.add(p, { kind: 'fcntl', fd, cmd: F.SETOWN_EX, arg: { kind: 'ownerEx', type: r.pick([F.OWNER_TID, F.OWNER_PID, F.OWNER_PGRP]), target: { proc: r.pick(procs) } } });
}

/** An open that breaks (or not) a lease without blocking: EAGAIN when it would block. */
export function nonblockBreakerMove(g: GenContext, r: Rng): boolean {
  // Breakers are mostly other processes (the curated cases): fork one when there is none.
  if (g.actors().length < 2 && r.chance(0.5)) {
    const child = g.nextProcName();
    const parent = actor(g, r);
    if (child && parent) g.add(parent, { kind: 'fork', child });
  }
  const p = actor(g, r);
  if (!p) return false;
  const acc = r.weighted([[2, O_RDONLY], [3, O_WRONLY], [2, O_RDWR]] as const);
  return g.add(p, { kind: 'open', result: g.fresh('f'), dir: { kind: 'cwd' }, path: r.pick(FILES), flags: acc | O_NONBLOCK | (acc !== O_RDONLY && r.chance(0.1) ? O_TRUNC : 0), mode: 0, at: false });
}

/**
 * A breaker that blocks in __break_lease, then (usually) the holder's answer:
 * F_UNLCK, or a downgrade to F_RDLCK for a read breaker. A breaker whose
 * lease has no live holder to answer is refused (it would wait for expiry).
 */
export function blockingBreakerMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const cp = g.checkpoint();
  const path = r.pick(FILES);
  const ok = r.chance(0.8)
    ? g.add(p, { kind: 'open', result: g.fresh('f'), dir: { kind: 'cwd' }, path, flags: r.weighted([[1, O_RDONLY], [2, O_WRONLY], [2, O_RDWR]] as const), mode: 0, at: false })
    : g.add(p, { kind: 'truncate', path, length: r.pick([0, 2]) });
  if (!ok) return false;
  if (!g.model.mayBeBlocked(p)) return true; // no lease in the way: a plain open
  const wait = g.model.waitOf(p);
  const holders = wait ? g.model.leaseHolderNames(wait.ino).filter((h) => h.proc !== p) : [];
  if (holders.length === 0) {
    // Nobody can answer within the scenario: drop the step again.
    g.rollback(cp);
    return false;
  }
  if (r.chance(0.8)) releaseMove(g, r);
  return true;
}

/** A lease holder answers a pending break (F_UNLCK or a downgrade). */
export function releaseMove(g: GenContext, r: Rng): boolean {
  for (const b of g.blockedProcs()) {
    const wait = g.model.waitOf(b);
    if (!wait || wait.kind !== 'open-break' && wait.kind !== 'truncate-break') continue;
    const holders = g.model.leaseHolderNames(wait.ino).filter((h) => g.actors().includes(h.proc));
    if (!holders.length) continue;
    const h = r.pick(holders);
    return g.add(h.proc, { kind: 'fcntl', fd: { kind: 'name', name: h.name }, cmd: F.SETLEASE, arg: { kind: 'int', value: r.chance(0.75) ? F.UNLCK : F.RDLCK } });
  }
  return false;
}

/** wait-signal: long when the model says a signal is due, else short (and rarer: a timeout costs time). */
export function waitSignalMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const sig = r.chance(0.7) ? null : SIGIO;
  const due = g.model.signalDue(p, sig);
  if (!due && r.chance(0.8)) return false;
  // Not due: 10 ms is enough, a signal the model did not expect shows up in the trace either way.
  return g.add(p, { kind: 'wait_signal', signo: sig, timeoutMs: due ? 2000 : 10 });
}

export function dispositionMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  return g.add(p, { kind: 'signal', signo: r.pick([SIGIO, SIGRTMIN, SIGUSR1]), disposition: r.weighted([[3, 'catch'], [2, 'ignore'], [2, 'default']] as const) });
}

/** A child drops root: its F_SETLEASE on root's files fails (CAP_LEASE), its owner creds change. */
export function setuidMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p || p === 'A') return false;
  return g.add(p, { kind: 'setuid', uid: 1000 });
}

/** The break times out: await the blocked breaker past lease-break-time (only with a short one: costs seconds). */
export function expiryMove(g: GenContext, r: Rng): boolean {
  const lbt = g.model.leaseBreakTime();
  if (lbt > 1) return false;
  const b = g.blockedProcs().find((x) => g.model.waitOf(x)?.kind === 'open-break' || g.model.waitOf(x)?.kind === 'truncate-break');
  const by = b ? actor(g, r, b) : null;
  return b !== undefined && by !== null && g.push(by, { kind: 'await', proc: b, timeoutMs: lbt * 1000 + 2000 });
}

/** Mid-scenario sysctls: leases switched off and on (F_SETLEASE -> EINVAL), another break time. */
export function sysctlMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  if (r.chance(0.6)) return g.add(p, { kind: 'sysctl', name: 'fs.leases-enable', value: r.chance(0.6) ? 0 : 1 });
  return g.add(p, { kind: 'sysctl', name: 'fs.lease-break-time', value: r.pick([2, 5, 45]) });
}

export const LEASE_MOVES: MoveTable = [
  [0.5, sysctlMove],
  [6, leaseOpenMove], [4, setleaseMove], [3, leaseQueryMove], [4, ownerMove], [6, nonblockBreakerMove],
  [0.7, blockingBreakerMove], [6, releaseMove], [4, waitSignalMove], [1, dispositionMove], [1, setuidMove], [0.2, expiryMove],
  ...FD_MOVES.map(([w, m]) => [w * 0.5, m] as const),
];
