// fd lifetime moves: open, close (also of stale names and numbers), dup,
// dup2/dup3 over open fds and numbers, F_DUPFD, close-on-exec flags, fork,
// execve and exit, and small I/O: the curated fd and fcntl suites' ground,
// weighted toward fd number reuse across processes.

import { F } from '../scenario/flags.js';
import type { GenContext } from './gen-context.js';
import type { Rng } from './rng.js';
import { actor, closedName, DIR, DIR_FILE, FILES, O_CLOEXEC, O_DIRECTORY, O_RDONLY, openFlags, openName, type MoveTable } from './moves.js';

const ANY = ['file', 'group', 'event', 'dir'] as const;

/** A literal fd number a scenario may pass (below the runner's 100). */
const litFd = (r: Rng): number => r.pick([0, 3, 4, 5, 6, 7, 9, 12, 42]);

export function openMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  if (r.chance(0.1)) return g.add(p, { kind: 'open', result: g.fresh('f'), dir: { kind: 'cwd' }, path: DIR, flags: O_RDONLY | O_DIRECTORY | (r.chance(0.5) ? O_CLOEXEC : 0), mode: 0, at: false });
  const dirs = g.names(p, (i) => i.open && i.kind === 'dir');
  if (dirs.length && r.chance(0.3)) {
    return g.add(p, { kind: 'open', result: g.fresh('f'), dir: { kind: 'fd', fd: { kind: 'name', name: r.pick(dirs) } }, path: 'c', flags: openFlags(r), mode: 0o644, at: true });
  }
  const path = r.chance(0.1) ? DIR_FILE : r.chance(0.7) ? 'a' : r.pick(FILES);
  const flags = openFlags(r);
  return g.add(p, { kind: 'open', result: g.fresh('f'), dir: { kind: 'cwd' }, path, flags, mode: flags & 0o100 ? 0o644 : 0, at: false });
}

export function closeMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  if (r.chance(0.15)) {
    const c = closedName(g, r, p);
    return g.add(p, { kind: 'close', fd: c ? { kind: 'name', name: c, stale: true } : { kind: 'num', num: litFd(r) } });
  }
  const n = openName(g, r, p, ANY);
  return n !== null && g.add(p, { kind: 'close', fd: { kind: 'name', name: n } });
}

export function dupMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p, ANY);
  if (!n) return false;
  const fd = { kind: 'name' as const, name: n };
  const which = r.weighted([[3, 'dup'], [3, 'dup2'], [2, 'dup3'], [2, 'dupfd']] as const);
  if (which === 'dup') return g.add(p, { kind: 'dup', result: g.fresh('f'), fd });
  if (which === 'dupfd') {
    return g.add(p, { kind: 'fcntl', fd, cmd: r.chance(0.5) ? F.DUPFD : F.DUPFD_CLOEXEC, arg: { kind: 'int', value: r.pick([0, 3, 5, 10]) }, result: g.fresh('f') });
  }
  // newfd: another open name (dup2 over an open fd), a closed one (reuse its number) or a number.
  const other = openName(g, r, p, ANY);
  const closed = closedName(g, r, p);
  const newfd = r.chance(0.45) && other ? { kind: 'name' as const, name: other }
    : r.chance(0.5) && closed ? { kind: 'name' as const, name: closed, stale: true }
      : { kind: 'num' as const, num: litFd(r) };
  if (which === 'dup2') return g.add(p, { kind: 'dup2', result: g.fresh('f'), fd, newfd });
  return g.add(p, { kind: 'dup3', result: g.fresh('f'), fd, newfd, flags: r.chance(0.6) ? O_CLOEXEC : 0 });
}

export function fdFlagsMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p, ANY);
  if (!n) return false;
  const fd = { kind: 'name' as const, name: n };
  const which = r.weighted([[3, F.GETFD], [3, F.SETFD], [2, F.GETFL], [2, F.SETFL]] as const);
  if (which === F.SETFD) return g.add(p, { kind: 'fcntl', fd, cmd: F.SETFD, arg: { kind: 'int', value: r.chance(0.6) ? 1 : 0 } });
  if (which === F.SETFL) return g.add(p, { kind: 'fcntl', fd, cmd: F.SETFL, arg: { kind: 'int', value: r.pick([0, 0o2000, 0o4000, 0o6000]) } });
  return g.add(p, { kind: 'fcntl', fd, cmd: which, arg: { kind: 'none' } });
}

export function ioMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const n = openName(g, r, p, ['file', 'event']);
  if (!n) return false;
  const fd = { kind: 'name' as const, name: n };
  switch (r.weighted([[3, 'read'], [3, 'write'], [1, 'pread'], [1, 'pwrite'], [1, 'lseek'], [2, 'readlink'], [1, 'statx']] as const)) {
    case 'read': return g.add(p, { kind: 'read', fd, count: r.pick([1, 4, 16]) });
    case 'write': return g.add(p, { kind: 'write', fd, data: { kind: 'text', text: r.pick(['x', 'hi', 'data!']) } });
    case 'pread': return g.add(p, { kind: 'pread', fd, count: 4, offset: r.pick([0, 2, 100]) });
    case 'pwrite': return g.add(p, { kind: 'pwrite', fd, data: { kind: 'text', text: 'zz' }, offset: r.pick([0, 3]) });
    case 'lseek': return g.add(p, { kind: 'lseek', fd, offset: r.pick([0, 1, 3]), whence: r.pick([0, 1, 2]) });
    case 'readlink': return g.add(p, { kind: 'readlink_fd', fd });
    case 'statx': return g.add(p, { kind: 'statx', target: { kind: 'fd', fd }, mask: 0x7ff });
  }
}

export function forkMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  const child = g.nextProcName();
  return p !== null && child !== null && g.add(p, { kind: 'fork', child });
}

export function execMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  return p !== null && g.add(p, { kind: 'execve' });
}

/** exit of a process other than the last one that can act (a scenario keeps an actor). */
export function exitMove(g: GenContext, r: Rng): boolean {
  if (g.actors().length < 2) return false;
  const p = actor(g, r);
  return p !== null && g.add(p, { kind: 'exit', code: r.pick([0, 3]) });
}

export function pathMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  switch (r.weighted([[2, 'unlink'], [1, 'rename'], [1, 'link'], [2, 'statx']] as const)) {
    case 'unlink': return g.add(p, { kind: 'unlink', path: r.pick(['b', DIR_FILE]) });
    case 'rename': return g.add(p, { kind: 'rename', from: 'b', to: r.pick(['e', DIR_FILE]) });
    case 'link': return g.add(p, { kind: 'link', from: 'b', to: 'l' });
    case 'statx': return g.add(p, { kind: 'statx', target: { kind: 'path', path: r.pick(['a', 'b', DIR_FILE]) }, mask: 0x7ff });
  }
}

export const FD_MOVES: MoveTable = [
  [6, openMove], [5, closeMove], [5, dupMove], [3, fdFlagsMove], [3, ioMove], [3, forkMove], [4, execMove], [0.4, exitMove], [1, pathMove],
];
