// One scenario step applied to one model state: the set of states it may
// lead to, each with the acting process's step completed (with its result)
// or blocked. Ops the model does not have raise Unmodelled.

import type { FdRef, Op, Step } from '../scenario/ast.js';
import { F, O } from '../scenario/flags.js';
import type { KState, Proc, ProcStatus, StepResult } from './state.js';
import { clone, procByName } from './state.js';
import { closeFd, fileOfFd, installFd, lowestFreeFd, replaceFd } from './files.js';
import { doFcntl, NOFILE } from './fcntl.js';
import { doOpen } from './open.js';
import { bindName, closeNames, doExec, doExit, doFork } from './process.js';
import { timeOutBranches, timeOutLeases } from './lease.js';
import { lookup } from './vfs.js';
import * as io from './io.js';
import { Unmodelled } from './unmodelled.js';
import { resumePerm } from './fanotify-perm.js';
import { fanotifyAwareRead, fanotifyAwareWrite, fanotifyOp, fanSysctl } from './fanotify-step.js';
import { fanDeleted, fanDentryModify, fanModified, fanNamespaceOp } from './fanotify-hooks.js';
import { doFionread, doPoll } from './fanotify-fdquery.js';
import { doSetrlimit } from './rlimit.js';
import { doSetuid, guardUnprivileged, openDenied, truncateDenied } from './cred.js';
import type { ModelOptions } from './options.js';
import type { Profile } from './profile.js';
import { doLoad, doMmap, doMsync, doMunmap, doStore } from './mm-mapping.js';
import { doFsxattr, withDaxAttr } from './dax.js';
import { expireLayouts, MAP_DIRECT, mapDirectOn } from './map-direct.js';
import { mdFallocate, mdFtruncate, mdOpenTruncGuard, mdTruncate, mdWrite, type MdBreak } from './map-direct-break.js';

export interface ModelCtx {
  profile: Profile;
  opts: ModelOptions;
}

const ok = (ret: number): StepResult => ({ ret, errno: 0 });
const err = (errno: number): StepResult => ({ ret: -1, errno });

export function fdNum(p: Proc, r: FdRef): number {
  if (r.kind === 'num') return r.num;
  return p.names[r.name] ?? -1;
}

/** The inode an open/truncate/lease fcntl will call time_out_leases on, if any. */
function leaseInode(s: KState, p: Proc, op: Op): number | null {
  if (op.kind === 'open' && op.dir.kind === 'cwd') {
    const l = lookup(s, op.path);
    return l.ok ? l.ino : null;
  }
  if (op.kind === 'truncate') {
    const l = lookup(s, op.path);
    return l.ok ? l.ino : null;
  }
  if (op.kind === 'mmap' && op.fd && (op.flags & MAP_DIRECT) && (op.flags & 0xf) === 3 && mapDirectOn(s)) {
    const f = fileOfFd(s, p, fdNum(p, op.fd)); // map_direct_setup -> generic_add_lease -> time_out_leases
    return f && f.kind === 'reg' ? f.ino : null;
  }
  if (op.kind === 'fcntl' && (op.cmd === F.GETLEASE || (op.cmd === F.SETLEASE && !(op.arg.kind === 'int' && op.arg.value === F.UNLCK)))) {
    const f = fileOfFd(s, p, fdNum(p, op.fd));
    return f && f.kind === 'reg' ? f.ino : null;
  }
  return null;
}

/** All states step may lead to from s (s itself is not modified). */
export function applyStep(s: KState, step: Step, ctx: ModelCtx): KState[] {
  const p0 = procByName(s, step.proc);
  if (!p0) throw new Unmodelled(`step by process ${step.proc}, which does not exist in the model`);
  if (!p0.alive) throw new Unmodelled(`step by process ${step.proc}, which the model says is dead`);
  if (p0.status.k === 'blocked') throw new Unmodelled(`step by ${step.proc} while its step ${p0.status.step} is still blocked (add "await ${step.proc}" first)`);
  if (p0.status.k === 'completed') return []; // its completion must be reported first
  const ino = leaseInode(s, p0, step.op);
  const starts = ino === null ? [clone(s)] : timeOutBranches(clone(s), ino, ctx.opts);
  const out: KState[] = [];
  if (step.op.kind === 'await') {
    const t = clone(s);
    t.why = [];
    return awaitProc(t, step, step.op.proc, step.op.timeoutMs, ctx);
  }
  for (const t of starts) {
    t.why = [];
    const p = procByName(t, step.proc)!;
    t.stepSignals = { actor: step.proc, sent: [] };
    const r = run(t, p, step, ctx);
    delete t.stepSignals;
    if (r === 'blocked') {
      if (p.status.k === 'blocked') p.status = { ...p.status, step: step.id };
      out.push(t);
      continue;
    }
    const results = Array.isArray(r) ? r : [r];
    results.forEach((res, i) => {
      const u = i === results.length - 1 ? t : clone(t);
      const q = procByName(u, step.proc)!;
      if ((q.alive || step.op.kind === 'exit') && res !== 'none') q.status = { k: 'completed', step: step.id, reported: false, result: res };
      out.push(u);
    });
  }
  return out;
}

type RunResult = StepResult | StepResult[] | 'blocked' | 'none';

/** A MAP_DIRECT layout break's outcome as a step result (map-direct-break.ts). */
function mdRun(r: Exclude<MdBreak, null>): RunResult {
  return r === 'died' ? 'none' : r;
}

function run(s: KState, p: Proc, step: Step, ctx: ModelCtx): RunResult {
  const op = step.op;
  const fileArg = (r: FdRef) => fileOfFd(s, p, fdNum(p, r));
  guardUnprivileged(p, op);
  switch (op.kind) {
    case 'open': {
      let dirPath = '';
      if (op.dir.kind === 'fd') {
        const d = fileArg(op.dir.fd);
        if (!d) return err(9);
        if (d.kind !== 'dir' && !(d.kind === 'path' && s.inodes.get(d.ino)?.type === 'dir')) return err(20);
        if (d.unlinked) throw new Unmodelled('openat relative to a removed directory');
        dirPath = d.path;
      }
      const denied = openDenied(s, p, op, dirPath === '' ? op.path : `${dirPath}/${op.path}`);
      if (denied !== null) {
        bindName(p, op.result, -1);
        return err(denied);
      }
      mdOpenTruncGuard(s, op.path, op.flags, dirPath);
      const o = doOpen(s, p, op, ctx.opts, dirPath);
      if ('blocked' in o) return 'blocked';
      return p.alive ? o.done : 'none';
    }
    case 'close': {
      const n = fdNum(p, op.fd);
      if (!closeFd(s, p, n)) {
        s.why.push(`close(${n}): fd ${n} is not open in ${p.name} -> EBADF`);
        return err(9);
      }
      closeNames(p, n);
      s.why.push(`close(${n}) drops ${p.name}'s fd; the open file lives on while other fds refer to it`);
      return ok(0);
    }
    case 'dup': {
      const f = fileArg(op.fd);
      if (!f) {
        bindName(p, op.result, -1);
        return err(9);
      }
      const n = lowestFreeFd(p, 0);
      installFd(s, p, n, f, false);
      bindName(p, op.result, n);
      s.why.push(`dup: lowest free fd is ${n}, same open file, FD_CLOEXEC clear`);
      return ok(n);
    }
    case 'dup2': case 'dup3': {
      const old = fdNum(p, op.fd);
      const nfd = fdNum(p, op.newfd);
      const fail = (e: number, why: string): StepResult => {
        s.why.push(why);
        bindName(p, op.result, -1);
        return err(e);
      };
      if (op.kind === 'dup3') {
        if ((op.flags & ~O.CLOEXEC) !== 0) return fail(22, 'dup3 flags other than O_CLOEXEC -> EINVAL');
        if (old === nfd) return fail(22, 'dup3 with oldfd == newfd -> EINVAL');
      } else if (old === nfd) {
        if (!fileOfFd(s, p, old)) return fail(9, 'dup2(fd, fd) on a closed fd -> EBADF');
        bindName(p, op.result, nfd);
        return ok(nfd);
      }
      if (nfd < 0 || nfd >= NOFILE) return fail(9, `newfd ${nfd} out of range -> EBADF`);
      const f = fileOfFd(s, p, old);
      if (!f) return fail(9, `fd ${old} is not open -> EBADF`);
      const wasOpen = replaceFd(s, p, nfd, f, op.kind === 'dup3' && (op.flags & O.CLOEXEC) !== 0);
      closeNames(p, nfd);
      bindName(p, op.result, nfd);
      s.why.push(`${op.kind}: fd ${nfd} ${wasOpen ? 'was open and is closed first, then ' : ''}refers to fd ${old}'s open file`);
      return ok(nfd);
    }
    case 'fork':
      return doFork(s, p, op.child);
    case 'execve':
      return doExec(s, p, ctx.opts);
    case 'exit':
      // Reported done (ret 0) once the process is gone; its status comes in the exit observation.
      doExit(s, p, { status: op.code & 0xff, signo: null });
      return ok(0);
    case 'fcntl': {
      const n = fdNum(p, op.fd);
      const f = fileOfFd(s, p, n);
      if (!f) {
        if (op.result) bindName(p, op.result, -1);
        s.why.push(`fcntl(${n}): fd not open in ${p.name} -> EBADF`);
        return err(9);
      }
      return doFcntl(s, p, n, f, op.cmd, op.arg, op.result);
    }
    case 'read': case 'pread': {
      const f = fileArg(op.fd);
      if (!f) return err(9);
      return fanotifyAwareRead(s, p, f, op.count, op.kind === 'pread' ? op.offset : null);
    }
    case 'write': case 'pwrite': {
      const f = fileArg(op.fd);
      if (!f) return err(9);
      if (f.kind === 'fanotify') throw new Unmodelled('plain write to a fanotify fd (use fanotify_response)');
      const md = mdWrite(s, f, op.data, op.kind === 'pwrite' ? op.offset : null, p);
      if (md !== null) return mdRun(md);
      return fanotifyAwareWrite(s, p, f, io.doWrite(s, f, op.data, op.kind === 'pwrite' ? op.offset : null));
    }
    case 'lseek': {
      const f = fileArg(op.fd);
      return f ? io.doLseek(s, f, op.offset, op.whence) : err(9);
    }
    case 'truncate': {
      const denied = truncateDenied(s, p, op.path);
      if (denied !== null) return err(denied);
      const md = mdTruncate(s, op.path, op.length, p);
      if (md !== null) return mdRun(md);
      const r = io.doTruncate(s, p, op.path, op.length, ctx.opts);
      if ('blocked' in r) return 'blocked';
      const tl = lookup(s, op.path);
      if (r.done.errno === 0 && tl.ok) fanDentryModify(s, p, tl.path, tl.ino); // notify_change -> fsnotify_change
      return p.alive ? r.done : 'none';
    }
    case 'ftruncate': {
      const f = fileArg(op.fd);
      if (!f) return err(9);
      const md = mdFtruncate(s, f, op.length, p);
      if (md !== null) return mdRun(md);
      const r = io.doFtruncate(s, f, op.length);
      if (r.errno === 0) fanDentryModify(s, p, f.path, f.ino);
      return r;
    }
    case 'fallocate': {
      const f = fileArg(op.fd);
      if (!f) return err(9);
      const md = mdFallocate(s, f, op.mode, op.offset, op.length, p);
      if (md !== null) return mdRun(md);
      const r = io.doFallocate(s, f, op.mode, op.offset, op.length);
      if (r.errno === 0) fanModified(s, p, f); // vfs_fallocate -> fsnotify_modify
      return r;
    }
    case 'unlink': {
      const l = lookup(s, op.path);
      const r = io.doUnlink(s, op.path);
      if (r.errno === 0 && l.ok) fanDeleted(s, p, l.path, l.ino); // d_delete_notify
      return r;
    }
    case 'rename':
      fanNamespaceOp(s, 'rename');
      return io.doRename(s, op.from, op.to);
    case 'link': fanNamespaceOp(s, 'link'); return io.doLink(s, op.from, op.to);
    case 'mkdir': fanNamespaceOp(s, 'mkdir'); return io.doMkdir(s, op.path, op.mode);
    case 'rmdir': fanNamespaceOp(s, 'rmdir'); return io.doRmdir(s, op.path);
    case 'statx': {
      // STATX_ATTR_DAX comes from the inode's S_DAX (dax.ts).
      if (op.target.kind === 'path') {
        const l = lookup(s, op.target.path);
        return withDaxAttr(s, io.doStatxPath(s, op.target.path), l.ok ? l.ino : null);
      }
      const f = fileArg(op.target.fd);
      if (!f) return err(9);
      if (f.kind === 'stdio') throw new Unmodelled('statx of the runner\'s /dev/null fds');
      if (f.kind === 'fanotify') return io.statxAnonInode(); // anon_inode_getfd: the shared anon inode, not a scenario file
      if (f.path === '') throw new Unmodelled('statx of the scenario directory itself');
      return withDaxAttr(s, io.statxOf(s, f.ino), f.ino);
    }
    case 'readlink_fd': {
      const f = fileArg(op.fd);
      if (f) return io.readlinkOf(f);
      // The path /proc/self/fd/N names no entry: proc_lookupfd_common fails the lookup with ENOENT.
      s.why.push(`readlink /proc/self/fd/${fdNum(p, op.fd)}: no such fd in ${p.name}, so no such /proc entry -> ENOENT`);
      return err(2);
    }
    case 'fionread':
      return doFionread(s, fileArg(op.fd));
    case 'poll':
      return doPoll(s, fileArg(op.fd), op.timeoutMs);
    case 'sysctl':
      if (op.name === 'fs.lease-break-time') s.sysctl.leaseBreakTime = op.value;
      else if (op.name === 'fs.leases-enable') s.sysctl.leasesEnable = op.value;
      else if (!fanSysctl(s, op.name, op.value)) throw new Unmodelled(`sysctl ${op.name}`);
      return ok(0);
    case 'signal':
      if (op.signo === 9 || op.signo === 19 || op.signo < 1 || op.signo > 64) return err(22);
      if (op.signo === 32 || op.signo === 33) throw new Unmodelled('libc-internal signals 32 and 33');
      p.dispo[op.signo] = op.disposition;
      return ok(0);
    case 'wait_signal': {
      const i = p.unwaited.findIndex((x) => op.signo === null || x === op.signo);
      if (i >= 0) {
        const signo = p.unwaited[i]!;
        p.unwaited.splice(i, 1);
        s.why.push(`wait-signal: signal ${signo} was already delivered to ${p.name}`);
        return ok(signo);
      }
      s.clock += op.timeoutMs;
      s.why.push(`wait-signal: nothing sends ${p.name} a signal within ${op.timeoutMs}ms -> timeout`);
      return err(11);
    }
    case 'setuid':
      return doSetuid(s, p, op.uid);
    case 'setrlimit':
      return doSetrlimit(s, p, op.resource, op.soft);
    case 'sleep':
      s.clock += op.ms;
      return ok(0);
    case 'expect_blocked': {
      // ret 1 and the step when PROC is blocked in a step reported blocked, else 0 and null.
      const q = procByName(s, op.proc);
      const st = q?.alive ? q.status : undefined;
      const blocked = st !== undefined && st.k === 'blocked' && st.reported;
      s.why.push(blocked ? `expect-blocked: ${op.proc} is still blocked in step ${st.step} -> 1` : `expect-blocked: ${op.proc} has no blocked step -> 0`);
      return { ret: blocked ? 1 : 0, errno: 0, blockedSeq: blocked ? st.step : null };
    }
    case 'await':
      throw new Error('await is handled by applyStep');
    case 'mmap':
      return doMmap(s, p, op, op.fd ? fileArg(op.fd) : undefined, step);
    case 'munmap':
      return doMunmap(s, p, op, step);
    case 'load':
      return doLoad(s, p, op.map, op.offset);
    case 'store':
      return doStore(s, p, op.map, op.offset, op.value);
    case 'msync':
      return doMsync(s, p, op.map, op.flags);
    case 'fsxattr':
      return doFsxattr(s, fileArg(op.fd), op.set);
    case 'fanotify_init': case 'fanotify_mark': case 'fanotify_read': case 'fanotify_response':
      return fanotifyOp(s, p, op, (r) => fdNum(p, r));
  }
}

/**
 * await PROC T: ret 0 once PROC's blocked step completed (at once if it is not
 * blocked), or -1/ETIMEDOUT. Completion inside the window can only come from
 * lease-break deadlines passing (nothing else runs meanwhile).
 */
function awaitProc(s: KState, step: Step, name: string, timeoutMs: number, ctx: ModelCtx): KState[] {
  const done = (t: KState, r: StepResult): KState => {
    const p = procByName(t, step.proc)!;
    p.status = { k: 'completed', step: step.id, reported: false, result: r };
    return t;
  };
  const q = procByName(s, name);
  if (!q || q.status.k !== 'blocked') return [done(s, ok(0))];
  if (q.status.wait.kind === 'open-perm' || q.status.wait.kind === 'read-perm') {
    resumePerm(s, q); // an answered fanotify permission wait resumes within the window
    if ((q.status as ProcStatus).k !== 'blocked') return [done(s, ok(0))];
  }
  const slack = ctx.opts.expirySlackMs;
  const ino = q.status.wait.ino;
  const inode = s.inodes.get(ino);
  const deadlines = (inode?.leases ?? []).flatMap((l) => [l.unlockPending ? l.breakAt : null, l.downgradePending ? l.downgradeAt : null]).filter((x): x is number => x !== null);
  const end = s.clock + timeoutMs;
  const out: KState[] = [];
  const reachable = deadlines.filter((d) => d - slack <= end);
  if (reachable.length > 0) {
    const t = clone(s);
    const last = Math.max(...reachable);
    t.clock = Math.max(t.clock, last - slack);
    timeOutLeases(t, t.inodes.get(ino)!, (at) => at !== null && at <= last);
    expireLayouts(t, ino, (at) => at <= last); // MAP_DIRECT revocation (map-direct.ts)
    const tq = procByName(t, name)!;
    if (tq.status.k !== 'blocked') {
      t.why.push(`await: the lease-break deadline passes within ${timeoutMs}ms, so ${name}'s step completes`);
      out.push(done(t, ok(0)));
    }
  }
  if (!deadlines.some((d) => d + slack <= end)) {
    s.clock = end;
    s.why.push(`await: nothing completes ${name}'s step within ${timeoutMs}ms`);
    out.push(done(s, err(110)));
  }
  return out;
}
