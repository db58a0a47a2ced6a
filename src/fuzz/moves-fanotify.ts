// fanotify moves: groups (always FAN_NONBLOCK, so a read of an empty queue
// returns EAGAIN instead of blocking), inode and directory marks (add,
// remove, ignore masks), reads that bind event fds (themselves opens, which
// the fd moves then dup, read and close), permission events answered by a
// listener in another process, and file activity on the marked files.

import type { GenContext } from './gen-context.js';
import type { Rng } from './rng.js';
import { actor, DIR, DIR_FILE, FILES, O_CLOEXEC, O_RDONLY, O_RDWR, openName, type MoveTable } from './moves.js';
import { FD_MOVES, openMove, closeMove, ioMove } from './moves-fd.js';
import { FAN } from '../model/fanotify-state.js';

const ADD = FAN.MARK_ADD, REMOVE = FAN.MARK_REMOVE;
const PLAIN_MASKS = [FAN.OPEN, FAN.CLOSE_WRITE, FAN.CLOSE_NOWRITE, FAN.CLOSE_WRITE | FAN.CLOSE_NOWRITE, FAN.MODIFY, FAN.ACCESS, FAN.OPEN | FAN.CLOSE_WRITE | FAN.CLOSE_NOWRITE, FAN.OPEN | FAN.MODIFY | FAN.ACCESS];

export function initMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p || g.model.groupHolders().length >= 2) return false;
  const content = r.chance(0.35);
  let flags = FAN.NONBLOCK | (content ? FAN.CLASS_CONTENT : 0);
  if (r.chance(0.25)) flags |= FAN.CLOEXEC;
  if (r.chance(0.15)) flags |= FAN.REPORT_TID;
  const eventFlags = (r.chance(0.75) ? O_RDONLY : O_RDWR) | (r.chance(0.3) ? O_CLOEXEC : 0);
  return g.add(p, { kind: 'fanotify_init', result: g.fresh('g'), flags, eventFlags });
}

function groupOf(g: GenContext, r: Rng): { proc: string; name: string; content: boolean } | null {
  const hs = g.model.groupHolders().filter((h) => g.actors().includes(h.proc) && g.info(h.proc, h.name)?.open);
  return hs.length ? r.pick(hs) : null;
}

export function markMove(g: GenContext, r: Rng): boolean {
  let h = groupOf(g, r);
  if (!h) {
    // No listener yet: set one up first (a mark is what makes a group do anything).
    if (!initMove(g, r)) return false;
    h = groupOf(g, r);
    if (!h) return true;
  }
  const fd = { kind: 'name' as const, name: h.name };
  if (r.chance(0.2)) {
    // A directory mark: events on its children with FAN_EVENT_ON_CHILD.
    const mask = r.pick(PLAIN_MASKS) | (r.chance(0.7) ? FAN.EVENT_ON_CHILD : 0);
    return g.add(h.proc, { kind: 'fanotify_mark', fd, flags: ADD, mask, dir: { kind: 'cwd' }, path: DIR });
  }
  const path = r.chance(0.2) ? DIR_FILE : r.pick(FILES);
  const perm = h.content && r.chance(0.5);
  const mask = perm ? (r.chance(0.7) ? FAN.OPEN_PERM : FAN.ACCESS_PERM) | (r.chance(0.3) ? FAN.CLOSE_NOWRITE : 0) : r.pick(PLAIN_MASKS);
  const how = r.weighted([[6, ADD], [2, REMOVE], [1, ADD | FAN.MARK_IGNORED_MASK], [1, ADD | FAN.MARK_IGNORED_MASK | FAN.MARK_IGNORED_SURV_MODIFY]] as const);
  return g.add(h.proc, { kind: 'fanotify_mark', fd, flags: how, mask, dir: { kind: 'cwd' }, path });
}

export function readMove(g: GenContext, r: Rng): boolean {
  const h = groupOf(g, r);
  if (!h) return false;
  if (!g.model.eventsQueued() && r.chance(0.8)) return false;
  const n = r.weighted([[4, 1], [3, 2], [1, 3]] as const);
  const results = Array.from({ length: n }, () => g.fresh('e'));
  return g.add(h.proc, { kind: 'fanotify_read', fd: { kind: 'name', name: h.name }, count: r.chance(0.9) ? 4096 : 24, results });
}

/** Answers a permission event read earlier (or a wrong fd, for the error cases). */
export function responseMove(g: GenContext, r: Rng): boolean {
  const h = groupOf(g, r);
  if (!h) return false;
  const ev = openName(g, r, h.proc, ['event']);
  if (!ev) return false;
  return g.add(h.proc, { kind: 'fanotify_response', fd: { kind: 'name', name: h.name }, eventFd: { kind: 'name', name: ev }, response: r.chance(0.7) ? FAN.ALLOW : FAN.DENY });
}

/**
 * The curated permission cycle: a content-class listener L with a permission
 * mark, another process's access that waits for the answer, L's read and
 * answer (the await before the waiter's next step is implicit). Sets up what
 * is missing (group, mark, second process); a wait that nobody could answer
 * (the listener itself blocked) is refused.
 */
export function permCycleMove(g: GenContext, r: Rng): boolean {
  const cp = g.checkpoint();
  let hs = g.model.groupHolders().filter((h) => h.content && g.actors().includes(h.proc) && g.info(h.proc, h.name)?.open);
  if (!hs.length) {
    const p = actor(g, r);
    if (!p || !g.add(p, { kind: 'fanotify_init', result: g.fresh('g'), flags: FAN.NONBLOCK | FAN.CLASS_CONTENT, eventFlags: O_RDONLY })) return false;
    hs = g.model.groupHolders().filter((h) => h.content && h.proc === p);
    if (!hs.length) return true;
  }
  const l = r.pick(hs);
  const path = r.pick(FILES);
  const access = r.chance(0.3);
  if (r.chance(0.7) && !g.add(l.proc, { kind: 'fanotify_mark', fd: { kind: 'name', name: l.name }, flags: ADD, mask: access ? FAN.ACCESS_PERM : FAN.OPEN_PERM, dir: { kind: 'cwd' }, path })) {
    g.rollback(cp);
    return false;
  }
  let o = actor(g, r, l.proc);
  if (!o) {
    const child = g.nextProcName();
    if (!child || !g.add(l.proc, { kind: 'fork', child })) return true;
    o = child;
  }
  const before = g.checkpoint();
  let ok: boolean;
  if (access) {
    const f = g.fresh('f');
    ok = g.add(o, { kind: 'open', result: f, dir: { kind: 'cwd' }, path, flags: O_RDONLY, mode: 0, at: false }) && g.add(o, { kind: 'read', fd: { kind: 'name', name: f }, count: 4 });
  } else ok = g.add(o, { kind: 'open', result: g.fresh('f'), dir: { kind: 'cwd' }, path, flags: r.pick([O_RDONLY, O_RDWR]), mode: 0, at: false });
  if (!ok) return true;
  if (!g.model.mayBeBlocked(o)) return true;
  if (!g.actors().includes(l.proc)) {
    g.rollback(before);
    return true;
  }
  const e = g.fresh('e');
  if (!g.add(l.proc, { kind: 'fanotify_read', fd: { kind: 'name', name: l.name }, count: 4096, results: [e] })) return true;
  if (r.chance(0.9)) g.add(l.proc, { kind: 'fanotify_response', fd: { kind: 'name', name: l.name }, eventFd: { kind: 'name', name: e }, response: r.chance(0.7) ? FAN.ALLOW : FAN.DENY });
  return true;
}

/** An event fd used as a file: its close gives no event, its dup keeps the file open. */
export function eventFdMove(g: GenContext, r: Rng): boolean {
  const p = actor(g, r);
  if (!p) return false;
  const e = openName(g, r, p, ['event']);
  if (!e) return false;
  const fd = { kind: 'name' as const, name: e };
  switch (r.weighted([[3, 'close'], [2, 'dup'], [2, 'read'], [1, 'readlink'], [1, 'getfl']] as const)) {
    case 'close': return g.add(p, { kind: 'close', fd });
    case 'dup': return g.add(p, { kind: 'dup', result: g.fresh('f'), fd });
    case 'read': return g.add(p, { kind: 'read', fd, count: 4 });
    case 'readlink': return g.add(p, { kind: 'readlink_fd', fd });
    case 'getfl': return g.add(p, { kind: 'fcntl', fd, cmd: 3, arg: { kind: 'none' } });
  }
}

export const FANOTIFY_MOVES: MoveTable = [
  [2, initMove], [6, markMove], [8, readMove], [2, responseMove], [0.6, permCycleMove], [3, eventFdMove],
  [5, openMove], [4, closeMove], [3, ioMove],
  ...FD_MOVES.map(([w, m]) => [w * 0.3, m] as const),
];
