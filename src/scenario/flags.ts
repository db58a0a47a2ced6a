// Symbolic names for the constants scenarios use, with x86_64 values from the
// Linux 6.1 uapi headers (include/uapi/asm-generic/fcntl.h, linux/fcntl.h,
// linux/fanotify.h, asm-generic/mman-common.h, linux/mman.h, linux/falloc.h,
// linux/stat.h, asm-generic/errno*.h, arch/x86/include/uapi/asm/signal.h).

export type NameTable = ReadonlyMap<string, number>;

const table = (entries: Record<string, number>): NameTable => new Map(Object.entries(entries));

export const OPEN_FLAGS = table({
  O_RDONLY: 0o0, O_WRONLY: 0o1, O_RDWR: 0o2, O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400,
  O_TRUNC: 0o1000, O_APPEND: 0o2000, O_NONBLOCK: 0o4000, O_DSYNC: 0o10000, O_ASYNC: 0o20000,
  O_DIRECT: 0o40000, O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000, O_CLOEXEC: 0o2000000, O_SYNC: 0o4010000, O_PATH: 0o10000000,
  O_TMPFILE: 0o20200000,
});

export const O = {
  ACCMODE: 0o3, RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
  APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000, DIRECT: 0o40000,
  LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000,
  CLOEXEC: 0o2000000, SYNC_BIT: 0o4000000, PATH: 0o10000000, TMPFILE_BIT: 0o20000000,
} as const;

export const FCNTL_CMDS = table({
  F_DUPFD: 0, F_GETFD: 1, F_SETFD: 2, F_GETFL: 3, F_SETFL: 4, F_SETOWN: 8, F_GETOWN: 9,
  F_SETSIG: 10, F_GETSIG: 11, F_SETOWN_EX: 15, F_GETOWN_EX: 16, F_SETLEASE: 1024,
  F_GETLEASE: 1025, F_DUPFD_CLOEXEC: 1030,
});

export const F = {
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, SETOWN: 8, GETOWN: 9, SETSIG: 10, GETSIG: 11,
  SETOWN_EX: 15, GETOWN_EX: 16, SETLEASE: 1024, GETLEASE: 1025, DUPFD_CLOEXEC: 1030,
  RDLCK: 0, WRLCK: 1, UNLCK: 2, OWNER_TID: 0, OWNER_PID: 1, OWNER_PGRP: 2,
} as const;

export const FD_FLAGS = table({ FD_CLOEXEC: 1 });
export const LEASE_TYPES = table({ F_RDLCK: 0, F_WRLCK: 1, F_UNLCK: 2 });
export const OWNER_TYPES = table({ F_OWNER_TID: 0, F_OWNER_PID: 1, F_OWNER_PGRP: 2 });

export const FAN_INIT_FLAGS = table({
  FAN_CLOEXEC: 0x1, FAN_NONBLOCK: 0x2, FAN_CLASS_NOTIF: 0x0, FAN_CLASS_CONTENT: 0x4,
  FAN_CLASS_PRE_CONTENT: 0x8, FAN_UNLIMITED_QUEUE: 0x10, FAN_UNLIMITED_MARKS: 0x20,
  FAN_ENABLE_AUDIT: 0x40, FAN_REPORT_PIDFD: 0x80, FAN_REPORT_TID: 0x100, FAN_REPORT_FID: 0x200,
  FAN_REPORT_DIR_FID: 0x400, FAN_REPORT_NAME: 0x800, FAN_REPORT_TARGET_FID: 0x1000,
});

export const FAN_MARK_FLAGS = table({
  FAN_MARK_ADD: 0x1, FAN_MARK_REMOVE: 0x2, FAN_MARK_DONT_FOLLOW: 0x4, FAN_MARK_ONLYDIR: 0x8,
  FAN_MARK_MOUNT: 0x10, FAN_MARK_IGNORED_MASK: 0x20, FAN_MARK_IGNORED_SURV_MODIFY: 0x40,
  FAN_MARK_FLUSH: 0x80, FAN_MARK_FILESYSTEM: 0x100, FAN_MARK_EVICTABLE: 0x200,
  FAN_MARK_IGNORE: 0x400, FAN_MARK_INODE: 0x0,
});

export const FAN_EVENTS = table({
  FAN_ACCESS: 0x1, FAN_MODIFY: 0x2, FAN_ATTRIB: 0x4, FAN_CLOSE_WRITE: 0x8, FAN_CLOSE_NOWRITE: 0x10,
  FAN_CLOSE: 0x18, FAN_OPEN: 0x20, FAN_MOVED_FROM: 0x40, FAN_MOVED_TO: 0x80, FAN_MOVE: 0xc0,
  FAN_CREATE: 0x100, FAN_DELETE: 0x200, FAN_DELETE_SELF: 0x400, FAN_MOVE_SELF: 0x800,
  FAN_OPEN_EXEC: 0x1000, FAN_Q_OVERFLOW: 0x4000, FAN_FS_ERROR: 0x8000, FAN_OPEN_PERM: 0x10000,
  FAN_ACCESS_PERM: 0x20000, FAN_OPEN_EXEC_PERM: 0x40000, FAN_EVENT_ON_CHILD: 0x8000000,
  FAN_RENAME: 0x10000000, FAN_ONDIR: 0x40000000,
});

export const FAN_RESPONSES = table({ FAN_ALLOW: 0x1, FAN_DENY: 0x2, FAN_AUDIT: 0x10 });

export const PROT_FLAGS = table({ PROT_NONE: 0, PROT_READ: 0x1, PROT_WRITE: 0x2, PROT_EXEC: 0x4 });

// MAP_DIRECT is not in any upstream header: it is guest/patches/0002's bit
// (include/uapi/asm-generic/mman-common.h there; guest/probes/runner/runner.h
// VFSLAB_MAP_DIRECT). Stock 6.1 refuses it with MAP_SHARED_VALIDATE.
export const MAP_FLAGS = table({
  MAP_SHARED: 0x1, MAP_PRIVATE: 0x2, MAP_SHARED_VALIDATE: 0x3, MAP_FIXED: 0x10, MAP_ANONYMOUS: 0x20,
  MAP_POPULATE: 0x8000, MAP_NONBLOCK: 0x10000, MAP_STACK: 0x20000, MAP_HUGETLB: 0x40000,
  MAP_SYNC: 0x80000, MAP_FIXED_NOREPLACE: 0x100000, MAP_DIRECT: 0x200000,
});

export const MSYNC_FLAGS = table({ MS_ASYNC: 1, MS_INVALIDATE: 2, MS_SYNC: 4 });

/** struct fsxattr fsx_xflags (include/uapi/linux/fs.h). */
export const FS_XFLAGS = table({
  FS_XFLAG_REALTIME: 0x1, FS_XFLAG_PREALLOC: 0x2, FS_XFLAG_IMMUTABLE: 0x8, FS_XFLAG_APPEND: 0x10, FS_XFLAG_SYNC: 0x20,
  FS_XFLAG_NOATIME: 0x40, FS_XFLAG_NODUMP: 0x80, FS_XFLAG_PROJINHERIT: 0x200, FS_XFLAG_DAX: 0x8000,
});

export const FALLOC_FLAGS = table({
  FALLOC_FL_KEEP_SIZE: 0x1, FALLOC_FL_PUNCH_HOLE: 0x2, FALLOC_FL_COLLAPSE_RANGE: 0x8,
  FALLOC_FL_ZERO_RANGE: 0x10, FALLOC_FL_INSERT_RANGE: 0x20, FALLOC_FL_UNSHARE_RANGE: 0x40,
});

export const WHENCE = table({ SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4 });

export const STATX_MASK = table({
  STATX_TYPE: 0x1, STATX_MODE: 0x2, STATX_NLINK: 0x4, STATX_UID: 0x8, STATX_GID: 0x10,
  STATX_ATIME: 0x20, STATX_MTIME: 0x40, STATX_CTIME: 0x80, STATX_INO: 0x100, STATX_SIZE: 0x200,
  STATX_BLOCKS: 0x400, STATX_BASIC_STATS: 0x7ff, STATX_BTIME: 0x800, STATX_ALL: 0xfff,
});

export const ERRNO = table({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, EWOULDBLOCK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24,
  ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32,
  ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40,
  ENODATA: 61, EOVERFLOW: 75, EOPNOTSUPP: 95, ENOTSUP: 95, ETIMEDOUT: 110, ESTALE: 116,
  ECANCELED: 125,
});

export const E = {
  PERM: 1, NOENT: 2, SRCH: 3, INTR: 4, BADF: 9, AGAIN: 11, NOMEM: 12, ACCES: 13, EXIST: 17,
  NOTDIR: 20, ISDIR: 21, INVAL: 22, MFILE: 24, FBIG: 27, SPIPE: 29, NOTEMPTY: 39, TIMEDOUT: 110,
  OPNOTSUPP: 95,
} as const;

/** glibc's SIGRTMIN is 34 (the kernel's 32 and 33 are reserved by libc). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

export const SIGNALS = table({
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
  SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22,
  SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29,
  SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31, SIGRTMIN, SIGRTMAX,
});

export const SIG = {
  BUS: 7, KILL: 9, SEGV: 11, CHLD: 17, URG: 23, IO: 29, STOP: 19,
} as const;

/** si_code values (include/uapi/asm-generic/siginfo.h). */
export const SI_CODES = table({
  SI_USER: 0, SI_KERNEL: 0x80, SI_QUEUE: -1, SI_TIMER: -2, SI_MESGQ: -3, SI_ASYNCIO: -4,
  SI_SIGIO: -5, SI_TKILL: -6, POLL_IN: 1, POLL_OUT: 2, POLL_MSG: 3, POLL_ERR: 4, POLL_PRI: 5,
  POLL_HUP: 6,
});

/** Sysctls a scenario may write, and the /proc/sys path the runner uses. */
export const SYSCTLS: ReadonlyMap<string, string> = new Map([
  ['fs.lease-break-time', '/proc/sys/fs/lease-break-time'],
  ['fs.leases-enable', '/proc/sys/fs/leases-enable'],
  ['fs.fanotify.max_queued_events', '/proc/sys/fs/fanotify/max_queued_events'],
  ['fs.fanotify.max_user_groups', '/proc/sys/fs/fanotify/max_user_groups'],
  ['fs.fanotify.max_user_marks', '/proc/sys/fs/fanotify/max_user_marks'],
]);

const reverse = (t: NameTable): Map<number, string> => {
  const m = new Map<number, string>();
  for (const [k, v] of t) if (!m.has(v)) m.set(v, k);
  return m;
};
const errnoNames = reverse(ERRNO);
const signalNames = reverse(SIGNALS);

export function errnoName(n: number): string {
  return errnoNames.get(n) ?? `errno ${n}`;
}

export function signalName(n: number): string {
  if (n > SIGRTMIN && n < SIGRTMAX) return `SIGRTMIN+${n - SIGRTMIN}`;
  return signalNames.get(n) ?? String(n);
}

/** Signal by name: SIGIO, SIGRTMIN+3, SIGRTMAX-1, or a number. */
export function lookupSignal(word: string): number | undefined {
  const rt = /^(SIGRTMIN|SIGRTMAX)([+-])(\d+)$/.exec(word);
  if (rt) {
    const base = rt[1] === 'SIGRTMIN' ? SIGRTMIN : SIGRTMAX;
    const n = rt[2] === '+' ? base + Number(rt[3]) : base - Number(rt[3]);
    return n >= 1 && n <= 64 ? n : undefined;
  }
  if (/^\d+$/.test(word)) {
    const n = Number(word);
    return n >= 0 && n <= 64 ? n : undefined;
  }
  return SIGNALS.get(word);
}

/**
 * Renders a flag word as `A|B|0x40`, preferring names whose bits are all set
 * and the widest names first (O_SYNC before O_DSYNC). Zero-valued names are
 * used only for an access mode / class field or when the word is zero.
 */
export function flagsToString(value: number, t: NameTable, zeroName?: string): string {
  if (value === 0) return zeroName ?? '0';
  const entries = [...t].filter(([, v]) => v !== 0).sort((a, b) => popcount(b[1]) - popcount(a[1]));
  const parts: string[] = [];
  let rest = value;
  for (const [name, v] of entries) {
    if ((rest & v) === v && v !== 0 && isSubset(v, value)) {
      parts.push(name);
      rest = (rest & ~v) >>> 0;
      if (rest === 0) break;
    }
  }
  if (rest !== 0) parts.push('0x' + rest.toString(16));
  return parts.join('|');
}

const isSubset = (v: number, of: number): boolean => (v & of) === v;

function popcount(v: number): number {
  let c = 0;
  for (let x = v >>> 0; x; x &= x - 1) c++;
  return c;
}
