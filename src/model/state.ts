// The model's kernel state: the objects a 6.1 kernel keeps for the scenario,
// named as in the kernel. Processes have fd tables (fd flags apart from the
// open file's f_flags); struct file (OpenFile) has a refcount fed by fds in any
// process; inodes count readers/writers (i_readcount / i_writecount) and hold
// the lease list. Plain data, cloned by clone() for the search.

import type { SignalDisposition } from '../scenario/ast.js';
import type { MemoryOutcome } from '../trace/types.js';
import { cloneMm, type MmState } from './mm-state.js';
import type { GuestEnv } from './guest-env.js';
import { cloneFan, type FanState } from './fanotify-state.js';
import type { Profile } from './profile.js';
import { cloneMd, type MdState } from './map-direct-state.js';
import type { MdContinuation } from './map-direct-break.js';

export type PidType = 'pid' | 'tgid' | 'pgid';

/** struct fown_struct: who gets SIGIO, and which signal. */
export interface FOwner {
  /** f_owner.pid_type (PIDTYPE_PID for a fresh file, TGID after f_delown). */
  type: PidType;
  /** The pid number (a process's symbolic pid, or a pgrp id); null: f_owner.pid == NULL. */
  id: number | null;
  /** F_SETSIG value; 0 means plain SIGIO. */
  signum: number;
  /** f_owner.uid / euid: the creds of whoever last set a pid (absent: root), for sigio_perm. */
  uid?: number;
  euid?: number;
}

export interface OpenFile {
  id: number;
  /** What the file is; only 'reg' and 'dir' files of the scenario dir are modelled. */
  kind: 'reg' | 'dir' | 'stdio' | 'path' | 'fanotify';
  /** kind 'fanotify': the group (FanGroup.id) this anon-inode file is. */
  group?: number;
  ino: number;
  /** file->f_flags as F_GETFL shows it. */
  flags: number;
  read: boolean;
  write: boolean;
  pos: number;
  /** Path of the dentry it was opened through (relative; '' is the scenario dir, '/dev/null' for stdio). */
  path: string;
  /** That dentry was unlinked (readlink shows " (deleted)"). */
  unlinked: boolean;
  /** Number of fd-table entries (any process) referring to it. */
  refs: number;
  owner: FOwner;
}

export type LeaseType = 0 | 1; // F_RDLCK | F_WRLCK

/** struct file_lock with FL_LEASE, owned by the struct file `file`. */
export interface Lease {
  file: number;
  type: LeaseType;
  /** FL_UNLOCK_PENDING / FL_DOWNGRADE_PENDING. */
  unlockPending: boolean;
  downgradePending: boolean;
  /**
   * fl_break_time / fl_downgrade_time as model-clock ms; null = 0 in the
   * kernel ("never"). Like the kernel, they are not reset once set.
   */
  breakAt: number | null;
  downgradeAt: number | null;
  /** fasync_struct->fa_fd: the fd number given to F_SETLEASE, reported as si_fd. */
  faFd: number;
  /**
   * The process whose fd table faFd was looked up in by that F_SETLEASE (the
   * kernel keeps only the number; kept so a close-time teardown such as the
   * leaseCloseShutdown patch can match the closing fd table and number).
   */
  faProc?: string;
  /**
   * leaseCloseShutdown (fl_fasync_files): the descriptor table (Proc.table)
   * of that F_SETLEASE; (faTable, faFd) is the registration.
   */
  faTable?: number;
  /**
   * leaseCloseShutdown: the registration was shut down (the fasync entry is
   * gone, so a break signals nobody) until the next F_SETLEASE. Never set on
   * a stock profile (src/model/lease-close-shutdown.ts).
   */
  faShut?: true;
  /**
   * mapDirect: an FL_LAYOUT lease owned by MAP_DIRECT mapping `layout`
   * (MdState.maps). open() and F_SETLEASE breakers ignore it, time_out_leases
   * never removes it (fl_break_time 0); see src/model/map-direct.ts.
   */
  layout?: number;
}

export interface Inode {
  ino: number;
  type: 'reg' | 'dir';
  nlink: number;
  mode: number;
  size: number;
  /** File bytes, one char per byte (0..255); holes read as "\0". */
  data: string;
  readcount: number;
  writecount: number;
  leases: Lease[];
  /** On-disk FS_XFLAG_DAX (dax.ts); absent: clear. */
  xflagDax?: boolean;
  /** In-core S_DAX, decided when the inode is loaded (dax.ts); absent: clear. */
  sDax?: boolean;
  /** I_DONTCACHE: evicted (S_DAX re-decided) once no open file refers to it. */
  dontcache?: boolean;
}

export interface FdEntry {
  file: number;
  cloexec: boolean;
}

/**
 * A step of this process blocked in __break_lease: an open (the new struct
 * file already holds its reader/writer count and an fd number is reserved) or
 * a truncate(2) (holding i_writecount).
 */
export interface BlockedOpen {
  kind: 'open-break' | 'truncate-break' | 'open-perm' | 'read-perm' | 'layout-break';
  ino: number;
  /** open: the new struct file; truncate: null. */
  file: OpenFile | null;
  /** open: the fd number get_unused_fd_flags reserved; truncate: -1. */
  fd: number;
  cloexec: boolean;
  wantWrite: boolean;
  /** open O_TRUNC or truncate(2): the size to set once the break is over. */
  truncateTo: number | null;
  /** open: the name the new fd is bound to. */
  result: string;
  /** open-perm / read-perm: the fanotify permission event it waits for (src/model/fanotify-perm.ts). */
  permEvent?: number;
  /** open-perm: O_NONBLOCK was given (for the break_lease that follows). */
  nonblock?: boolean;
  /** read-perm: the read to do once allowed. */
  read?: { file: number; count: number; offset: number | null };
  /** layout-break: the syscall to finish once no MAP_DIRECT lease is left (map-direct-break.ts). */
  layout?: MdContinuation;
}

/** Result of a finished step as the model predicts it (compared by src/check). */
export interface StepResult {
  ret: number;
  errno: number;
  /** ret is this process's pid (or -pgid when neg); compared through the trace's pid map. */
  retPid?: { proc: string; pgrp: boolean };
  data?: string;
  /** attrs: (stx_attributes_mask & of) must be mask and (stx_attributes & of) must be set. */
  statx?: { mode?: number; nlink?: number; size?: number; attrs?: { of: number; mask: number; set: number } };
  /** load/store: the access's outcome; a fault also gives signo, si_code and the offset in the mapping. */
  mem?: { outcome: MemoryOutcome; signo?: number; code?: number; offset?: number };
  /** readlink: "${dir}" stands for the scenario directory; ret is then the link's length. */
  link?: string;
  fds?: Record<string, number>;
  blockedSeq?: number | null;
  owner?: { type: number; pid: { proc: string; pgrp: boolean } | 0 };
  /** fanotify_read: the events in buffer order (src/model/fanotify-read.ts). */
  events?: PredictedFanEvent[];
}

/** One event a fanotify_read returns, as the model predicts it. */
export interface PredictedFanEvent {
  mask: number;
  /** metadata.fd: the event fd number, or -1 (FAN_NOFD). */
  fd: number;
  /** The process whose tgid is metadata.pid, or null for 0. */
  pid: string | null;
  eventLen: number | null;
  name: string | null;
  /** Event fd: readlink ("${dir}" stands for the scenario directory), F_GETFL, F_GETFD, offset. */
  link: string | null;
  flags: number | null;
  fdFlags: number | null;
  offset: number | null;
  /** FID modes: record types and names, in order. */
  info: { type: number; name?: string }[];
}

export type ProcStatus =
  | { k: 'idle' }
  | { k: 'blocked'; step: number; reported: boolean; wait: BlockedOpen }
  | { k: 'completed'; step: number; reported: boolean; result: StepResult };

export interface Proc {
  name: string;
  /** Symbolic pid (index + 1); the trace maps it to the real pid. */
  pid: number;
  pgrp: number;
  /**
   * Identity of the fd table (files_struct) this process uses: fork gives the
   * child a fresh copy, execve keeps it; the AST has no CLONE_FILES, so no
   * two processes share one.
   */
  table: number;
  /** uid = euid = suid = fsuid after the runner's setuid step (see cred.ts); absent: 0 (root). */
  uid?: number;
  /** Soft RLIMIT_NOFILE after a setrlimit step (rlimit.ts); absent: the default (fcntl.ts NOFILE). */
  nofile?: number;
  alive: boolean;
  /** How it ended, once not alive. */
  end: { status: number | null; signo: number | null } | null;
  exitReported: boolean;
  fds: (FdEntry | null)[];
  /** Scenario fd names -> last bound number (-1: the binding step failed); stale names keep theirs. */
  names: Record<string, number>;
  /** Whether the runner considers the name open (cleared when its number is closed, as names_close_num). */
  nameOpen: Record<string, boolean>;
  /** Only non-default entries; see dispositionOf(). */
  dispo: Record<number, SignalDisposition>;
  status: ProcStatus;
  /** Caught signals delivered and not yet consumed by wait-signal. */
  unwaited: number[];
}

/** A caught signal the runner will report, not yet matched to an observation. */
export interface InFlightSignal {
  proc: string;
  signo: number;
  code: number;
  fd: number;
  band: number;
  /**
   * A second instance of a standard signal sent to another process within
   * one step while the first may still be pending: legacy_queue may drop it
   * (hidden.ts branches on it; sigio.ts).
   */
  mergeable?: true;
}

export interface KState {
  procs: Proc[];
  files: Map<number, OpenFile>;
  inodes: Map<number, Inode>;
  /** Paths (relative to the scenario dir) -> inode; "" is the scenario dir. */
  names: Map<string, number>;
  nextFile: number;
  nextIno: number;
  /** Lower bound of elapsed time in ms (sleeps, timeouts, settle times). */
  clock: number;
  inflight: InFlightSignal[];
  sysctl: { leaseBreakTime: number; leasesEnable: number };
  /** fanotify groups, marks and queues (absent until the first fanotify step or sysctl). */
  fan?: FanState;
  /** Why the last transition took the branch it took (for divergence reports). */
  why: string[];
  /**
   * Transient, during one step only (set by step.ts, never cloned): the acting
   * process and the standard signals sent so far in the step (and to which
   * pending queue), for legacy_queue (sigio.ts).
   */
  stepSignals?: { actor: string; sent: { proc: string; signo: number; queue: 'thread' | 'process' }[] };
  /** The guest's pmem backend, filesystem and dax= mode (init.ts); DAX outcomes derive from it. */
  guest?: GuestEnv;
  /** Mappings (mm-state.ts); absent until the first mmap. */
  mm?: MmState;
  /** MAP_DIRECT mappings and written blocks (map-direct-state.ts); only with the mapDirect feature. */
  md?: MdState;
  /** The kernel profile the model runs against (init.ts); absent: stock, no features. */
  profile?: Profile;
}

// Explicit object literals: the search clones a state per step, and V8 copies
// these much faster than spreads.
export function cloneFile(f: OpenFile): OpenFile {
  const o = f.owner;
  return {
    id: f.id, kind: f.kind, ino: f.ino, flags: f.flags, read: f.read, write: f.write, pos: f.pos,
    path: f.path, unlinked: f.unlinked, refs: f.refs, owner: o.uid === undefined ? { type: o.type, id: o.id, signum: o.signum } : { type: o.type, id: o.id, signum: o.signum, uid: o.uid, euid: o.euid ?? o.uid },
    ...(f.group !== undefined ? { group: f.group } : {}),
  };
}

function cloneStatus(s: ProcStatus): ProcStatus {
  if (s.k === 'blocked') return { k: 'blocked', step: s.step, reported: s.reported, wait: { ...s.wait, file: s.wait.file ? cloneFile(s.wait.file) : null } };
  return s; // idle/completed are never mutated in place
}

function cloneProc(p: Proc): Proc {
  const q: Proc = {
    name: p.name, pid: p.pid, pgrp: p.pgrp, table: p.table, alive: p.alive, end: p.end ? { status: p.end.status, signo: p.end.signo } : null,
    exitReported: p.exitReported, fds: p.fds.map((e) => (e ? { file: e.file, cloexec: e.cloexec } : null)),
    names: { ...p.names }, nameOpen: { ...p.nameOpen }, dispo: { ...p.dispo }, status: cloneStatus(p.status), unwaited: p.unwaited.slice(),
  };
  if (p.uid !== undefined) q.uid = p.uid;
  if (p.nofile !== undefined) q.nofile = p.nofile;
  return q;
}

function cloneInode(i: Inode): Inode {
  return {
    ino: i.ino, type: i.type, nlink: i.nlink, mode: i.mode, size: i.size, data: i.data, readcount: i.readcount, writecount: i.writecount,
    leases: i.leases.map((l) => ({ file: l.file, type: l.type, unlockPending: l.unlockPending, downgradePending: l.downgradePending, breakAt: l.breakAt, downgradeAt: l.downgradeAt, faFd: l.faFd, ...(l.faProc === undefined ? {} : { faProc: l.faProc }), ...(l.faTable === undefined ? {} : { faTable: l.faTable }), ...(l.faShut ? { faShut: true as const } : {}), ...(l.layout === undefined ? {} : { layout: l.layout }) })),
    ...(i.xflagDax !== undefined ? { xflagDax: i.xflagDax } : {}),
    ...(i.sDax !== undefined ? { sDax: i.sDax } : {}),
    ...(i.dontcache !== undefined ? { dontcache: i.dontcache } : {}),
  };
}

/** A deep copy; `why` starts empty (it explains the next transition only). */
export function clone(s: KState): KState {
  const files = new Map<number, OpenFile>();
  for (const [k, f] of s.files) files.set(k, cloneFile(f));
  const inodes = new Map<number, Inode>();
  for (const [k, i] of s.inodes) inodes.set(k, cloneInode(i));
  return {
    procs: s.procs.map(cloneProc),
    files,
    inodes,
    names: new Map(s.names),
    nextFile: s.nextFile,
    nextIno: s.nextIno,
    clock: s.clock,
    inflight: s.inflight.map((x) => ({ proc: x.proc, signo: x.signo, code: x.code, fd: x.fd, band: x.band, ...(x.mergeable ? { mergeable: true as const } : {}) })),
    sysctl: { leaseBreakTime: s.sysctl.leaseBreakTime, leasesEnable: s.sysctl.leasesEnable },
    ...(s.fan ? { fan: cloneFan(s.fan) } : {}),
    why: [],
    ...(s.guest ? { guest: s.guest } : {}),
    ...(s.mm ? { mm: cloneMm(s.mm) } : {}),
    ...(s.md ? { md: cloneMd(s.md) } : {}),
    ...(s.profile ? { profile: s.profile } : {}),
  };
}

export function procByName(s: KState, name: string): Proc | undefined {
  return s.procs.find((p) => p.name === name);
}
