// Semantic checks of a scenario, beyond syntax: processes exist when they act,
// fd and mapping names are bound before use, closed names are only used as
// `stale:NAME`, paths stay inside the scenario directory, and literal fd
// numbers stay below the runner's own fds (100 and up).

import type { FdRef, Op, Scenario, Step } from './ast.js';
import { F } from './flags.js';

export interface ValidationError {
  line: number;
  message: string;
  expected: string[];
}

/** First fd number the runner reserves for itself. */
export const RUNNER_FD_BASE = 100;

interface NameState {
  open: boolean;
  line: number;
}

interface ProcState {
  alive: boolean;
  fds: Map<string, NameState>;
  maps: Set<string>;
}

class Invalid extends Error {
  constructor(message: string, readonly expected: string[] = []) {
    super(message);
  }
}

export function validateScenario(sc: Scenario): ValidationError[] {
  const errors: ValidationError[] = [];
  const procs = new Map<string, ProcState>();
  const first = sc.processes[0];
  if (!first) return [{ line: 1, message: 'no initial process declared', expected: ['process NAME'] }];
  procs.set(first.name, { alive: true, fds: new Map(), maps: new Set() });
  const known = new Set(sc.processes.map((p) => p.name));
  for (const step of sc.steps) {
    try {
      checkStep(step, procs);
    } catch (e) {
      if (e instanceof Invalid) errors.push({ line: step.line, message: e.message, expected: e.expected });
      else throw e;
    }
  }
  // Forked processes become ProcessDecls (kept in step order).
  for (const step of sc.steps) {
    if (step.op.kind === 'fork' && !known.has(step.op.child)) {
      known.add(step.op.child);
      sc.processes.push({ name: step.op.child, line: step.line, parent: step.proc });
    }
  }
  return errors;
}

function checkStep(step: Step, procs: Map<string, ProcState>): void {
  const p = procs.get(step.proc);
  const names = [...procs.keys()];
  if (!p) throw new Invalid(`process "${step.proc}" does not exist here (processes come into being by "PARENT: fork ${step.proc}")`, names);
  if (!p.alive) throw new Invalid(`process "${step.proc}" has exited and cannot run steps`);
  const op = step.op;
  const useFd = (r: FdRef): void => {
    if (r.kind === 'num') return;
    const st = p.fds.get(r.name);
    if (!st) throw new Invalid(`undefined fd name "${r.name}" in process ${step.proc}`, boundNames(p));
    if (!st.open && !r.stale) throw new Invalid(`fd "${r.name}" was closed at line ${st.line}; write stale:${r.name} to pass its old number on purpose`, boundNames(p));
  };
  const bind = (name: string): void => {
    p.fds.set(name, { open: true, line: step.line });
  };
  const useMap = (m: string): void => {
    if (!p.maps.has(m)) throw new Invalid(`undefined mapping "${m}" in process ${step.proc}`, [...p.maps]);
  };
  const usePath = (path: string): void => {
    if (path === '' || path.startsWith('/')) throw new Invalid(`path "${path}" must be relative to the scenario directory`, ['"data"', '"dir/file"']);
    if (path.split('/').includes('..')) throw new Invalid(`path "${path}" must stay inside the scenario directory (no "..")`);
  };
  const useProc = (name: string): void => {
    if (!procs.has(name)) throw new Invalid(`undefined process "${name}"`, names);
  };
  const lowFd = (r: FdRef): void => {
    if (r.kind === 'num' && r.num >= RUNNER_FD_BASE) throw new Invalid(`fd ${r.num} is reserved for the runner (fds >= ${RUNNER_FD_BASE})`, [`a number below ${RUNNER_FD_BASE}`]);
  };
  switch (op.kind) {
    case 'open':
      if (op.dir.kind === 'fd') useFd(op.dir.fd);
      usePath(op.path);
      bind(op.result);
      return;
    case 'close': {
      useFd(op.fd);
      if (op.fd.kind === 'name') p.fds.set(op.fd.name, { open: false, line: step.line });
      return;
    }
    case 'dup':
      useFd(op.fd);
      bind(op.result);
      return;
    case 'dup2': case 'dup3':
      useFd(op.fd);
      lowFd(op.newfd);
      if (op.newfd.kind === 'name') {
        if (!p.fds.has(op.newfd.name)) throw new Invalid(`undefined fd name "${op.newfd.name}" in process ${step.proc}`, boundNames(p));
        p.fds.set(op.newfd.name, { open: true, line: step.line });
      }
      bind(op.result);
      return;
    case 'fork': {
      if (procs.has(op.child)) throw new Invalid(`process "${op.child}" already exists; a fork names a new process`);
      procs.set(op.child, { alive: true, fds: new Map(p.fds), maps: new Set(p.maps) });
      return;
    }
    case 'execve':
      p.maps.clear();
      return;
    case 'exit':
      p.alive = false;
      return;
    case 'fcntl':
      useFd(op.fd);
      if (op.arg.kind === 'owner' && op.arg.target) useProc(op.arg.target.proc);
      if (op.arg.kind === 'ownerEx' && op.arg.target) useProc(op.arg.target.proc);
      if ((op.cmd === F.DUPFD || op.cmd === F.DUPFD_CLOEXEC) && op.arg.kind === 'int' && op.arg.value >= RUNNER_FD_BASE) {
        throw new Invalid(`F_DUPFD minimum ${op.arg.value} reaches the runner's fds (>= ${RUNNER_FD_BASE})`, [`a number below ${RUNNER_FD_BASE}`]);
      }
      if (op.result) bind(op.result);
      return;
    case 'read': case 'write': case 'pread': case 'pwrite': case 'lseek': case 'ftruncate': case 'fallocate': case 'readlink_fd': case 'fsxattr': case 'fionread': case 'poll':
      useFd(op.fd);
      return;
    case 'truncate': case 'unlink': case 'mkdir': case 'rmdir':
      usePath(op.path);
      return;
    case 'rename': case 'link':
      usePath(op.from);
      usePath(op.to);
      return;
    case 'statx':
      if (op.target.kind === 'path') usePath(op.target.path);
      else useFd(op.target.fd);
      return;
    case 'mmap':
      if (op.fd) useFd(op.fd);
      p.maps.add(op.map);
      return;
    case 'munmap':
      useMap(op.map);
      if (op.length === null) p.maps.delete(op.map);
      return;
    case 'load': case 'store': case 'msync':
      useMap(op.map);
      return;
    case 'fanotify_init':
      bind(op.result);
      return;
    case 'fanotify_mark':
      useFd(op.fd);
      if (op.dir.kind === 'fd') useFd(op.dir.fd);
      if (op.path !== null) usePath(op.path);
      return;
    case 'fanotify_read':
      useFd(op.fd);
      for (const r of op.results) bind(r);
      return;
    case 'fanotify_response':
      useFd(op.fd);
      useFd(op.eventFd);
      return;
    case 'expect_blocked': case 'await':
      useProc(op.proc);
      if (op.proc === step.proc) throw new Invalid(`${op.kind === 'await' ? 'await' : 'expect-blocked'} names another process, not the one running the step`, names.filter((n) => n !== step.proc));
      return;
    case 'sysctl': case 'signal': case 'wait_signal': case 'sleep': case 'setuid': case 'setrlimit':
      return;
    default:
      return assertNever(op);
  }
}

function boundNames(p: ProcState): string[] {
  return [...p.fds].filter(([, s]) => s.open).map(([n]) => n);
}

function assertNever(x: never): never {
  throw new Error(`unhandled op ${(x as Op).kind}`);
}
