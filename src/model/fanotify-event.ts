// Event generation: which groups an fsnotify hook reaches and with which
// mask (fs/notify/fsnotify.c fsnotify + send_to_group, __fsnotify_parent;
// fs/notify/fanotify/fanotify.c fanotify_group_event_mask), and how an event
// joins a group's queue (fs/notify/notification.c fsnotify_insert_event:
// overflow first, then fanotify_merge).

import type { KState } from './state.js';
import { Unmodelled } from './unmodelled.js';
import { parentOf } from './vfs.js';
import {
  ALL_EVENTS, EVENT_FLAGS, FAN, FID_BITS, FMODE_NONOTIFY, newFanState, PERM_EVENTS, POSS_ON_CHILD,
  type FanEvent, type FanGroup, type FanInfo, type FanMark, type FanState,
} from './fanotify-state.js';

export function fanOf(s: KState): FanState {
  if (!s.fan) s.fan = newFanState();
  return s.fan;
}

/** The object an fsnotify hook is about: a dentry of the scenario tree. */
export interface FsObject {
  ino: number;
  /** Path relative to the scenario dir ('' is the dir itself). */
  path: string;
  isDir: boolean;
  unlinked: boolean;
}

/** The FANOTIFY_MERGE_EVENTS limit: fanotify_merge looks at 128 events of one hash bucket. */
const MAX_MERGE = 128;

const liveGroups = (s: KState): FanGroup[] => (s.fan ? s.fan.groups.filter((g) => g.alive && g.marks.length > 0) : []);

/** fsnotify_calc_mask: what a mark makes its object interested in. */
function calcMask(m: FanMark): number {
  if (!(m.ignore & ALL_EVENTS)) return m.mask;
  return m.mask | (m.survModify ? 0 : FAN.MODIFY) | m.ignore;
}

/** fsnotify_mask_applicable: a mask applies to a dir only with FAN_ONDIR, to a child only with ON_CHILD. */
function applicable(mask: number, isDir: boolean, parent: boolean): boolean {
  if (isDir && !(mask & FAN.ONDIR)) return false;
  if (parent && !(mask & FAN.EVENT_ON_CHILD)) return false;
  return true;
}

/** fsnotify_effective_ignore_mask. */
function effectiveIgnore(m: FanMark, isDir: boolean, parent: boolean): number {
  const ign = m.ignore & ALL_EVENTS;
  if (!ign) return 0;
  if (!isDir && !parent) return ign;
  // Legacy ignore masks (FAN_MARK_IGNORED_MASK) always apply to dirs and to children of a watching parent.
  const full = m.ignoreFlags ? m.ignore : ((m.ignore | FAN.ONDIR) & ~FAN.EVENT_ON_CHILD) | (m.mask & FAN.EVENT_ON_CHILD);
  return applicable(full, isDir, parent) ? full & ALL_EVENTS : 0;
}

/** The marks of g an event on obj iterates, with whether each is the parent's. */
function marksFor(s: KState, g: FanGroup, obj: FsObject, parentIno: number | null, parentIterated: boolean): { m: FanMark; parent: boolean }[] {
  const out: { m: FanMark; parent: boolean }[] = [];
  for (const m of g.marks) {
    if (m.obj !== 'inode') out.push({ m, parent: false });
    else if (m.ino === obj.ino) out.push({ m, parent: false });
    else if (parentIterated && parentIno !== null && m.ino === parentIno) out.push({ m, parent: true });
  }
  return out;
}

/** Whether __fsnotify_parent reports to the parent: its combined mask watches children for this event. */
function parentInterested(s: KState, parentIno: number | null, mask: number): boolean {
  if (parentIno === null) return false;
  let combined = 0;
  for (const g of liveGroups(s)) for (const m of g.marks) if (m.obj === 'inode' && m.ino === parentIno) combined |= calcMask(m);
  if (!(combined & FAN.EVENT_ON_CHILD)) return false;
  return (mask & combined & POSS_ON_CHILD & ALL_EVENTS) !== 0;
}

export function parentInoOf(s: KState, obj: FsObject): number | null {
  if (obj.path === '' || obj.unlinked) return obj.path === '' ? null : s.names.get(parentOf(obj.path)) ?? null;
  return s.names.get(parentOf(obj.path)) ?? null;
}

/** fanotify_group_event_mask for one group, plus the FS_MODIFY ignore-mask clearing of send_to_group. */
function groupMask(s: KState, g: FanGroup, obj: FsObject, mask: number, pathEvent: boolean): number {
  const parentIno = parentInoOf(s, obj);
  const marks = marksFor(s, g, obj, parentIno, parentInterested(s, parentIno, mask));
  if (marks.length === 0) return 0;
  if (mask & FAN.MODIFY) for (const { m } of marks) if (!m.survModify) m.ignore = 0;
  const fid = g.flags & FID_BITS;
  if (!fid && !pathEvent) return 0;
  let marksMask = 0;
  let ignore = 0;
  for (const { m, parent } of marks) {
    ignore |= effectiveIgnore(m, obj.isDir, parent);
    if (!applicable(m.mask, obj.isDir, parent)) continue;
    marksMask |= m.mask;
  }
  const evMask = mask | (obj.isDir ? FAN.ONDIR : 0);
  const test = evMask & marksMask & ~ignore;
  if (fid) {
    if (!(test & ~EVENT_FLAGS)) return 0;
    return test & (ALL_EVENTS | FAN.ONDIR);
  }
  return test & ALL_EVENTS;
}

/** The info records a FID-mode group gets for an event on obj, and the merge identity they give. */
function fidInfo(s: KState, g: FanGroup, obj: FsObject, name: string | null): { info: FanInfo[]; key: string } {
  const fid = g.flags & FID_BITS;
  if (fid === FAN.REPORT_FID) return { info: [{ type: 1 }], key: `fid:${obj.ino}` };
  if (fid === (FAN.REPORT_DIR_FID | FAN.REPORT_NAME)) {
    // Dirent events: obj is the directory and name the entry; others: the parent and the object's name.
    if (name !== null) return { info: [{ type: 2, name }], key: `dfid:${obj.ino}:${name}` };
    // An event on a directory itself: fanotify_dfid_inode is the directory, no name is
    // recorded, and copy_info_records_to_user reports its fid as DFID_NAME "." (FAN_ONDIR).
    if (obj.isDir) return { info: [{ type: 2, name: '.' }], key: `fid:${obj.ino}` };
    const own = obj.path.slice(obj.path.lastIndexOf('/') + 1);
    return { info: [{ type: 2, name: own }], key: `dfid:${parentInoOf(s, obj)}:${own}` };
  }
  throw new Unmodelled(`fanotify FID report mode 0x${fid.toString(16)} (only FAN_REPORT_FID and FAN_REPORT_DFID_NAME are modelled)`);
}

export interface EmitResult {
  /** A permission event was queued (or must be answered) and the caller blocks on it. */
  perm: FanEvent | null;
}

/**
 * One fsnotify hook on obj by process `pid`: queues what each group gets.
 * `pathEvent`: the hook passes a struct path (fd mode can report it).
 * `dirent`: a directory-entry event (CREATE/DELETE) on dir `obj` for child `name`.
 */
export function emit(s: KState, pid: string, obj: FsObject, mask: number, opts: { pathEvent: boolean; name?: string } = { pathEvent: true }): EmitResult {
  const groups = liveGroups(s);
  if (groups.length === 0) return { perm: null };
  const fan = fanOf(s);
  let perm: FanEvent | null = null;
  // Groups by priority: permission classes first (fsnotify_iter_select_report_types order).
  const ordered = [...groups].sort((a, b) => classOf(b) - classOf(a));
  for (const g of ordered) {
    const gm = groupMask(s, g, obj, mask, opts.pathEvent);
    if (!gm) continue;
    const fid = (g.flags & FID_BITS) !== 0;
    const fi = fid ? fidInfo(s, g, obj, opts.name ?? null) : null;
    const info = fi ? fi.info : null;
    const key = fi ? fi.key : `path:${obj.ino}:${obj.path}`;
    const ev: FanEvent = {
      id: fan.nextEvent++, mask: gm, pid, ino: obj.ino, path: obj.path, unlinked: obj.unlinked, isDir: obj.isDir, key,
      info, overflow: false, perm: gm & PERM_EVENTS ? { state: 'queued', fd: -1, response: 0 } : null,
    };
    const queued = insert(s, g, ev);
    if (ev.perm && queued) {
      if (perm) throw new Unmodelled('one permission event for two fanotify groups');
      perm = ev;
      s.why.push(`${pid} waits in fanotify_get_response for group ${g.id}'s answer to event mask 0x${gm.toString(16)}`);
    }
  }
  return { perm };
}

function classOf(g: FanGroup): number {
  return g.flags & (FAN.CLASS_CONTENT | FAN.CLASS_PRE_CONTENT);
}

/** fsnotify_insert_event + fanotify_merge: false when the event was dropped (overflow) or merged. */
function insert(s: KState, g: FanGroup, ev: FanEvent): boolean {
  const fan = fanOf(s);
  if (g.maxEvents !== null && g.queue.length >= g.maxEvents) {
    if (!g.queue.some((e) => e.overflow)) {
      g.queue.push({ id: fan.nextEvent++, mask: FAN.Q_OVERFLOW, pid: null, ino: 0, path: '', unlinked: false, isDir: false, key: 'overflow', info: g.flags & FID_BITS ? [] : null, overflow: true, perm: null });
      s.why.push(`group ${g.id}: q_len ${g.queue.length - 1} >= max_events ${g.maxEvents} -> FAN_Q_OVERFLOW queued, event dropped`);
    } else s.why.push(`group ${g.id}: queue full and overflow already queued -> event dropped`);
    return false;
  }
  if (!ev.perm && g.queue.length > 0) {
    const hashed = g.queue.filter((e) => !e.perm && !e.overflow);
    const match = (e: FanEvent): boolean => e.key === ev.key && e.pid === ev.pid && e.isDir === ev.isDir;
    const newestFirst = [...hashed].reverse();
    const at = newestFirst.findIndex(match);
    if (at >= 0 && at >= MAX_MERGE) throw new Unmodelled('fanotify merge beyond the newest 128 queued events (depends on the merge hash buckets)');
    if (at >= 0) {
      const old = newestFirst[at]!;
      old.mask |= ev.mask;
      s.why.push(`group ${g.id}: unread event on the same object from the same pid -> merged, mask 0x${old.mask.toString(16)}`);
      return false;
    }
  }
  g.queue.push(ev);
  s.why.push(`group ${g.id}: event mask 0x${ev.mask.toString(16)} by ${ev.pid} queued (q_len ${g.queue.length})`);
  return true;
}

/** The object of an open file (null when it is not in the scenario tree or generates no events). */
export function objectOfFile(s: KState, f: { kind: string; ino: number; path: string; unlinked: boolean; flags: number }): FsObject | null {
  if (f.kind !== 'reg' && f.kind !== 'dir') return null;
  if (f.flags & FMODE_NONOTIFY) return null;
  return { ino: f.ino, path: f.path, isDir: f.kind === 'dir', unlinked: f.unlinked };
}

/** Whether some live group could be affected by hooks at all (cheap pre-check). */
export function anyMarks(s: KState): boolean {
  return liveGroups(s).length > 0;
}

/** Dentry renamed: queued events keep their struct path, whose d_path follows. */
export function fanDentryMoved(s: KState, from: string, to: string, ino: number): void {
  if (!s.fan) return;
  for (const g of s.fan.groups) for (const e of [...g.queue, ...g.access]) if (e.path === from && e.ino === ino && !e.unlinked) e.path = to;
}

/** Dentry unlinked: a queued event's path now reads " (deleted)". */
export function fanDentryDropped(s: KState, path: string, ino: number): void {
  if (!s.fan) return;
  for (const g of s.fan.groups) for (const e of [...g.queue, ...g.access]) if (e.path === path && e.ino === ino) e.unlinked = true;
}

/** Queued fd-mode events hold the dentry (path_get), so the inode stays. */
export function fanPinsInode(s: KState, ino: number): boolean {
  if (!s.fan) return false;
  return s.fan.groups.some((g) => g.alive && [...g.queue, ...g.access].some((e) => e.ino === ino && !e.overflow && e.info === null));
}
