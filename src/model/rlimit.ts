// The setrlimit step (RLIMIT_NOFILE soft limit, kernel/sys.c do_prlimit):
// fds are then allocated only below it (fs/file.c alloc_fd: EMFILE), dup2
// and F_DUPFD refuse targets at or above it, and fds already open above it
// stay. The model keeps the limit per process (fork copies it); it derives
// EMFILE where fanotify allocates fds (fanotify-read.ts create_fd,
// fanotify-group.ts) and leaves every other allocation that would reach the
// limit unmodelled (files.ts installFd).

import type { KState, Proc, StepResult } from './state.js';
import { NOFILE } from './fcntl.js';
import { Unmodelled } from './unmodelled.js';
import { lowestFreeFd } from './files.js';

export function doSetrlimit(s: KState, p: Proc, resource: number, soft: number): StepResult {
  if (resource !== 7) throw new Unmodelled(`setrlimit of resource ${resource}`);
  // The hard limit of the runner's processes is not a model fact: stay at or below the default soft limit.
  if (soft > NOFILE) throw new Unmodelled(`RLIMIT_NOFILE above ${NOFILE} (the hard limit is not modelled)`);
  p.nofile = soft;
  s.why.push(`setrlimit: ${p.name}'s new fds must be below ${soft}`);
  return { ret: 0, errno: 0 };
}

/** get_unused_fd_flags: the lowest free fd, or null when it is at or above RLIMIT_NOFILE (EMFILE). */
export function unusedFd(p: Proc): number | null {
  const fd = lowestFreeFd(p, 0);
  return fd >= (p.nofile ?? NOFILE) ? null : fd;
}
