// fcntl(2) as fs/fcntl.c do_fcntl (6.1): F_DUPFD*, F_GETFD/F_SETFD (fd flags),
// F_GETFL/F_SETFL (SETFL_MASK), F_GETOWN/F_SETOWN(_EX) (f_owner pid type and
// force), F_GETSIG/F_SETSIG, F_GETLEASE/F_SETLEASE (fs/locks.c).

import type { FcntlArg } from '../scenario/ast.js';
import { F, O } from '../scenario/flags.js';
import type { KState, OpenFile, Proc, StepResult } from './state.js';
import { installFd, lowestFreeFd } from './files.js';
import { getLease, setLease } from './lease.js';
import { bindName } from './process.js';
import { Unmodelled } from './unmodelled.js';
import { ownerCred } from './cred.js';

const ok = (ret: number): StepResult => ({ ret, errno: 0 });
const err = (errno: number): StepResult => ({ ret: -1, errno });

/** RLIMIT_NOFILE soft limit of the runner's processes (Linux default). */
export const NOFILE = 1024;
const SETFL_MASK = O.APPEND | O.NONBLOCK | O.DIRECT | O.NOATIME;
const PATH_OK = new Set<number>([F.DUPFD, F.DUPFD_CLOEXEC, F.GETFD, F.SETFD, F.GETFL]);

/** A pid number still names a task (zombies count until reaped: `reaped` false). */
function ownerTarget(s: KState, o: OpenFile['owner']): { proc: string; pgrp: boolean } | 0 | 'maybe' {
  if (o.id === null) return 0;
  if (o.type === 'pgid') {
    const members = s.procs.filter((p) => p.pgrp === o.id);
    if (members.some((p) => p.alive)) return { proc: s.procs[o.id - 1]!.name, pgrp: true };
    return members.some((p) => !p.exitReported) ? 'maybe' : 0;
  }
  const p = s.procs[o.id - 1];
  if (!p) return 0;
  if (p.alive) return { proc: p.name, pgrp: false };
  return p.exitReported ? 0 : 'maybe';
}

export function doFcntl(s: KState, p: Proc, fd: number, f: OpenFile, cmd: number, arg: FcntlArg, result: string | undefined): StepResult | StepResult[] {
  if (f.kind === 'path' && !PATH_OK.has(cmd)) {
    s.why.push('fcntl on an O_PATH fd allows only F_DUPFD*, F_GETFD, F_SETFD, F_GETFL -> EBADF');
    return err(9);
  }
  const intArg = arg.kind === 'int' ? arg.value : 0;
  switch (cmd) {
    case F.DUPFD: case F.DUPFD_CLOEXEC: {
      if (intArg >= NOFILE) return err(22);
      const nfd = lowestFreeFd(p, intArg);
      installFd(s, p, nfd, f, cmd === F.DUPFD_CLOEXEC);
      if (result) bindName(p, result, nfd);
      s.why.push(`F_DUPFD: lowest free fd >= ${intArg} is ${nfd}`);
      return ok(nfd);
    }
    case F.GETFD:
      return ok(p.fds[fd]!.cloexec ? 1 : 0);
    case F.SETFD:
      p.fds[fd]!.cloexec = (intArg & 1) === 1;
      return ok(0);
    case F.GETFL:
      s.why.push(`F_GETFL returns file->f_flags of the open file description`);
      return ok(f.flags);
    case F.SETFL:
      if ((intArg & O.DIRECT) !== 0) throw new Unmodelled('F_SETFL O_DIRECT (FMODE_CAN_ODIRECT depends on the fs and DAX)');
      // O_ASYNC: regular files and /dev/null have no ->fasync, so it is ignored (SG-09).
      f.flags = ((intArg & SETFL_MASK) | (f.flags & ~SETFL_MASK)) >>> 0;
      return ok(0);
    case F.GETOWN: {
      const t = ownerTarget(s, f.owner);
      if (t === 'maybe') return [ok(0), { ret: 0, errno: 0, retPid: deadOwner(s, f.owner) }];
      if (t === 0) return ok(0);
      return { ret: 0, errno: 0, retPid: t };
    }
    case F.SETOWN: {
      if (arg.kind !== 'owner') return err(22);
      if (!arg.target) {
        f.owner = { ...f.owner, type: 'tgid', id: null };
        return ok(0);
      }
      const t = s.procs.find((x) => x.name === arg.target!.proc);
      if (!t || (!arg.pgrp && !pidInUse(s, t.pid))) return err(3);
      f.owner = arg.pgrp ? { ...f.owner, type: 'pgid', id: t.pgrp, ...ownerCred(p) } : { ...f.owner, type: 'tgid', id: t.pid, ...ownerCred(p) };
      s.why.push(`F_SETOWN ${arg.pgrp ? 'process group of ' : ''}${t.name} (force=1)`);
      return ok(0);
    }
    case F.GETOWN_EX: {
      const type = f.owner.type === 'pid' ? F.OWNER_TID : f.owner.type === 'tgid' ? F.OWNER_PID : F.OWNER_PGRP;
      const t = ownerTarget(s, f.owner);
      if (t === 'maybe') return [{ ret: 0, errno: 0, owner: { type, pid: 0 } }, { ret: 0, errno: 0, owner: { type, pid: deadOwner(s, f.owner) } }];
      return { ret: 0, errno: 0, owner: { type, pid: t === 0 ? 0 : { proc: t.proc, pgrp: false } } };
    }
    case F.SETOWN_EX: {
      if (arg.kind !== 'ownerEx') return err(22);
      const type = arg.type === F.OWNER_TID ? 'pid' : arg.type === F.OWNER_PID ? 'tgid' : arg.type === F.OWNER_PGRP ? 'pgid' : null;
      if (!type) return err(22);
      if (!arg.target) {
        f.owner = { ...f.owner, type, id: null };
        return ok(0);
      }
      const t = s.procs.find((x) => x.name === arg.target!.proc);
      if (!t || !pidInUse(s, t.pid)) return err(3);
      // find_vpid(pid): for F_OWNER_PGRP the number is the process's pid used as a pgid.
      f.owner = { ...f.owner, type, id: t.pid, ...ownerCred(p) };
      return ok(0);
    }
    case F.GETSIG:
      return ok(f.owner.signum);
    case F.SETSIG:
      if (intArg < 0 || intArg > 64) {
        s.why.push('F_SETSIG of an invalid signal -> EINVAL (valid_signal)');
        return err(22);
      }
      f.owner = { ...f.owner, signum: intArg };
      return ok(0);
    case F.GETLEASE:
      return ok(f.kind === 'reg' ? getLease(s, f) : F.UNLCK);
    case F.SETLEASE:
      return setLease(s, p, fd, f, intArg);
    default:
      return err(22);
  }
}

function deadOwner(s: KState, o: OpenFile['owner']): { proc: string; pgrp: boolean } {
  return { proc: s.procs[(o.id ?? 1) - 1]!.name, pgrp: o.type === 'pgid' };
}

/**
 * find_vpid(n) finds a struct pid while any task uses the number as its pid,
 * tgid or process group id: a reaped process's pid still names the process
 * group its forked children are in (the runner makes the first process a
 * group leader), so F_SETOWN of it succeeds (f_setown, f_setown_ex: ESRCH
 * only when find_vpid fails).
 */
function pidInUse(s: KState, n: number): boolean {
  return s.procs.some((q) => !q.exitReported && (q.pid === n || q.pgrp === n));
}
