// fanotify's kernel objects as the model keeps them (fs/notify/fanotify):
// groups (struct fsnotify_group with fanotify_data), their marks (struct
// fsnotify_mark on an inode, the scenario's mount or its superblock) and
// their queued events (notification list, then access_list for permission
// events that were read). Plain data, cloned per search state.

/** FAN_* constants of include/uapi/linux/fanotify.h (6.1). */
export const FAN = {
  ACCESS: 0x1, MODIFY: 0x2, ATTRIB: 0x4, CLOSE_WRITE: 0x8, CLOSE_NOWRITE: 0x10, OPEN: 0x20,
  MOVED_FROM: 0x40, MOVED_TO: 0x80, CREATE: 0x100, DELETE: 0x200, DELETE_SELF: 0x400, MOVE_SELF: 0x800,
  OPEN_EXEC: 0x1000, Q_OVERFLOW: 0x4000, FS_ERROR: 0x8000, OPEN_PERM: 0x10000, ACCESS_PERM: 0x20000,
  OPEN_EXEC_PERM: 0x40000, EVENT_ON_CHILD: 0x8000000, RENAME: 0x10000000, ONDIR: 0x40000000,
  // fanotify_init flags
  CLOEXEC: 0x1, NONBLOCK: 0x2, CLASS_CONTENT: 0x4, CLASS_PRE_CONTENT: 0x8, UNLIMITED_QUEUE: 0x10,
  UNLIMITED_MARKS: 0x20, ENABLE_AUDIT: 0x40, REPORT_PIDFD: 0x80, REPORT_TID: 0x100, REPORT_FID: 0x200,
  REPORT_DIR_FID: 0x400, REPORT_NAME: 0x800, REPORT_TARGET_FID: 0x1000,
  // fanotify_mark flags
  MARK_ADD: 0x1, MARK_REMOVE: 0x2, MARK_DONT_FOLLOW: 0x4, MARK_ONLYDIR: 0x8, MARK_MOUNT: 0x10,
  MARK_IGNORED_MASK: 0x20, MARK_IGNORED_SURV_MODIFY: 0x40, MARK_FLUSH: 0x80, MARK_FILESYSTEM: 0x100,
  MARK_EVICTABLE: 0x200, MARK_IGNORE: 0x400,
  ALLOW: 0x1, DENY: 0x2, AUDIT: 0x10,
} as const;

export const PERM_EVENTS = FAN.OPEN_PERM | FAN.ACCESS_PERM | FAN.OPEN_EXEC_PERM;
export const PATH_EVENTS = FAN.ACCESS | FAN.MODIFY | FAN.CLOSE_WRITE | FAN.CLOSE_NOWRITE | FAN.OPEN | FAN.OPEN_EXEC;
export const DIRENT_EVENTS = FAN.MOVED_FROM | FAN.MOVED_TO | FAN.CREATE | FAN.DELETE | FAN.RENAME;
export const INODE_EVENTS = DIRENT_EVENTS | FAN.ATTRIB | FAN.MOVE_SELF | FAN.DELETE_SELF;
export const EVENT_FLAGS = FAN.EVENT_ON_CHILD | FAN.ONDIR;
/** FS_EVENTS_POSS_ON_CHILD (include/linux/fsnotify_backend.h). */
export const POSS_ON_CHILD = PERM_EVENTS | FAN.ACCESS | FAN.MODIFY | FAN.ATTRIB | FAN.CLOSE_WRITE | FAN.CLOSE_NOWRITE | FAN.OPEN | FAN.OPEN_EXEC;
/** ALL_FSNOTIFY_EVENTS restricted to the bits fanotify can see. */
export const ALL_EVENTS = PATH_EVENTS | INODE_EVENTS | PERM_EVENTS | FAN.Q_OVERFLOW | FAN.FS_ERROR;
export const FID_BITS = FAN.REPORT_FID | FAN.REPORT_DIR_FID | FAN.REPORT_NAME | FAN.REPORT_TARGET_FID;
/** __FMODE_NONOTIFY: in f_flags of event fds (create_fd), shown by F_GETFL on 6.1. */
export const FMODE_NONOTIFY = 0x4000000;

export type MarkObj = 'inode' | 'mount' | 'sb';

export interface FanMark {
  obj: MarkObj;
  /** The marked inode; -1 for mount and sb marks (the scenario has one of each). */
  ino: number;
  mask: number;
  ignore: number;
  /** FSNOTIFY_MARK_FLAG_IGNORED_SURV_MODIFY. */
  survModify: boolean;
  /** FSNOTIFY_MARK_FLAG_HAS_IGNORE_FLAGS (FAN_MARK_IGNORE, 6.0 API). */
  ignoreFlags: boolean;
  /** FSNOTIFY_MARK_FLAG_NO_IREF (FAN_MARK_EVICTABLE). */
  evictable: boolean;
}

/** An info record the model predicts (FID modes); handles are fs specific and not predicted. */
export interface FanInfo {
  type: number;
  name?: string;
}

export type PermState = 'queued' | 'reported' | 'answered' | 'canceled';

export interface FanEvent {
  id: number;
  mask: number;
  /** The generating process (its tgid), or null (overflow event: pid 0). */
  pid: string | null;
  /** The object: inode, and the dentry's path as d_path would show it. */
  ino: number;
  path: string;
  unlinked: boolean;
  isDir: boolean;
  /** Merge identity (fanotify_should_merge): same path, or same fid/dir fid+name. */
  key: string;
  /** null in fd mode; the records of a FID-mode event. */
  info: FanInfo[] | null;
  overflow: boolean;
  /** Permission events: where they are, the fd number they were reported with, the answer. */
  perm: { state: PermState; fd: number; response: number } | null;
}

export interface FanGroup {
  id: number;
  /** The struct file of the group fd (OpenFile id); released when it goes. */
  file: number;
  flags: number;
  /** event_f_flags as stored (O_LARGEFILE forced on 64-bit). */
  eventFlags: number;
  /** The creator's euid (max_user_groups is a per-user count). */
  uid: number;
  /** FANOTIFY_UNPRIV: made without CAP_SYS_ADMIN (FID mode only, inode marks only, pid 0 for others' events). */
  unpriv: boolean;
  /** max_events sampled at fanotify_init; null = FAN_UNLIMITED_QUEUE. */
  maxEvents: number | null;
  marks: FanMark[];
  /** The notification list, oldest first (q_len = its length). */
  queue: FanEvent[];
  /** Permission events read and not yet answered, oldest first. */
  access: FanEvent[];
  alive: boolean;
}

export interface FanState {
  groups: FanGroup[];
  /** Permission events whose waiter has not resumed yet (answered or canceled). */
  answered: FanEvent[];
  nextEvent: number;
  /** /proc/sys/fs/fanotify values (defaults of fanotify_user_setup). */
  maxQueued: number;
  maxGroups: number;
  /**
   * max_user_marks once a scenario wrote it; null: the boot default (1% of
   * RAM over 2 * sizeof(inode), at least 8192), which no scenario reaches.
   */
  maxMarks: number | null;
}

export function newFanState(): FanState {
  return { groups: [], answered: [], nextEvent: 1, maxQueued: 16384, maxGroups: 128, maxMarks: null };
}

function cloneEvent(e: FanEvent): FanEvent {
  return {
    id: e.id, mask: e.mask, pid: e.pid, ino: e.ino, path: e.path, unlinked: e.unlinked, isDir: e.isDir, key: e.key,
    info: e.info ? e.info.map((i) => ({ ...i })) : null, overflow: e.overflow, perm: e.perm ? { ...e.perm } : null,
  };
}

export function cloneFan(f: FanState): FanState {
  return {
    groups: f.groups.map((g) => ({
      id: g.id, file: g.file, flags: g.flags, eventFlags: g.eventFlags, uid: g.uid, unpriv: g.unpriv, maxEvents: g.maxEvents,
      marks: g.marks.map((m) => ({ ...m })), queue: g.queue.map(cloneEvent), access: g.access.map(cloneEvent), alive: g.alive,
    })),
    answered: f.answered.map(cloneEvent), nextEvent: f.nextEvent, maxQueued: f.maxQueued, maxGroups: f.maxGroups, maxMarks: f.maxMarks,
  };
}
