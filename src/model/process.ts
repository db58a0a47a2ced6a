// Processes: fork (fd table copy, f_count per fd, dispositions, pgrp), execve
// of the runner (close-on-exec applied, fs/file.c do_close_on_exec; the runner
// re-installs its handlers), and exit (exit_files closes every fd).

import type { KState, Proc, StepResult } from './state.js';
import { closeFd } from './files.js';
import { abortBlocked } from './blocked.js';
import { wakeBreakers } from './lease.js';
import type { ModelOptions } from './options.js';
import { dropMaps, forkMaps } from './mm-mapping.js';

/** A new process with a fresh fd table (numbered like its pid: tables are never shared in the AST). */
export function newProc(name: string, pid: number, pgrp: number): Proc {
  return {
    name, pid, pgrp, table: pid, alive: true, end: null, exitReported: false,
    fds: [], names: {}, nameOpen: {}, dispo: {}, status: { k: 'idle' }, unwaited: [],
  };
}

export function doFork(s: KState, parent: Proc, child: string): StepResult {
  const c = newProc(child, s.procs.length + 1, parent.pgrp);
  c.fds = parent.fds.map((e) => (e ? { ...e } : null));
  for (const e of c.fds) if (e) s.files.get(e.file)!.refs++;
  c.names = { ...parent.names };
  c.nameOpen = { ...parent.nameOpen };
  c.dispo = { ...parent.dispo };
  if (parent.uid !== undefined) c.uid = parent.uid; // fork copies the creds
  if (parent.nofile !== undefined) c.nofile = parent.nofile; // and the rlimits (signal_struct)
  s.procs.push(c);
  forkMaps(s, parent, c); // dup_mmap: mappings and their file references
  s.why.push(`fork: ${child} gets a copy of ${parent.name}'s fd table (same open files, refcounts +1)`);
  return { ret: c.pid, errno: 0, retPid: { proc: child, pgrp: false } };
}

export function doExec(s: KState, p: Proc, opts: ModelOptions): StepResult {
  dropMaps(s, p, 'execve (exec_mmap, before do_close_on_exec)');
  const closed: number[] = [];
  if (!opts.rules.ignoreCloexec) {
    p.fds.forEach((e, fd) => {
      if (e?.cloexec) closed.push(fd);
    });
    for (const fd of closed) closeFd(s, p, fd);
  }
  s.why.push(closed.length ? `execve closes close-on-exec fds ${closed.join(', ')} (do_close_on_exec)` : 'execve: no close-on-exec fds to close');
  wakeBreakers(s);
  for (const fd of closed) closeNames(p, fd);
  const fds: Record<string, number> = {};
  for (const [name, num] of Object.entries(p.names)) {
    if (p.nameOpen[name] && num >= 0 && p.fds[num]) fds[name] = num;
  }
  return { ret: 0, errno: 0, fds };
}

/** do_exit: the blocked step is abandoned, then exit_files closes every fd. */
export function doExit(s: KState, p: Proc, end: { status: number | null; signo: number | null }): void {
  if (!p.alive) return;
  abortBlocked(s, p, 0);
  p.alive = false;
  p.end = end;
  p.status = { k: 'idle' };
  dropMaps(s, p, 'exit (exit_mm, before exit_files)');
  p.fds.forEach((e, fd) => {
    if (e) closeFd(s, p, fd);
  });
  s.why.push(`${p.name} exits: exit_files closes all its fds`);
  wakeBreakers(s);
}

/** The runner's names_close_num: every name bound to fd number n is no longer open. */
export function closeNames(p: Proc, n: number): void {
  for (const [name, num] of Object.entries(p.names)) if (num === n) p.nameOpen[name] = false;
}

export function bindName(p: Proc, name: string, n: number): void {
  p.names[name] = n;
  p.nameOpen[name] = n >= 0;
}
