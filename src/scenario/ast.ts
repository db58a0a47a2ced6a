// The typed scenario AST: one scenario drives both the C runner (via
// src/scenario/wire.ts) and the reference model (src/model).
//
// Stability: other code reads this file. Change it compatibly only (add
// optional fields or new union members; never rename or remove), and list
// each change here.
// Changes:
//   - FcntlArg doc: F_SETOWN_EX passes the target's pid for every owner type;
//     a null target means 0 (comment only, no type change).
//   - Op gains `setuid` (credential drop for CAP_LEASE / sigio_perm cases).
//   - Op gains `fsxattr` (FS_IOC_FSGETXATTR, and FS_IOC_FSSETXATTR when `set` is a number).
//   - Op gains `fionread` (ioctl FIONREAD: ret = the int it stores) and `poll`
//     (one pollfd asking for every normal condition: ret = revents).
//   - Op gains `setrlimit` (the soft RLIMIT_NOFILE of the acting process).

/** A symbolic duration, in milliseconds. */
export type Millis = number;

/** Profile feature switches a scenario may require (see src/model/profile.ts). */
export type FeatureName = string;

export type PmemBackend = 'nvdimm' | 'memmap' | 'virtio';
export type FsType = 'ext4' | 'xfs';
export type DaxMode = 'always' | 'inode' | 'never';

export interface Sysctl {
  /** Dotted name as in sysctl(8), e.g. `fs.lease-break-time`. */
  name: string;
  value: number;
  line: number;
}

export interface GuestSetup {
  pmem: PmemBackend | 'any';
  fs: FsType | 'any';
  dax: DaxMode | 'any';
  /** Written by the runner before the first step, in this order. */
  sysctls: Sysctl[];
}

export interface ProcessDecl {
  name: string;
  /** Line of `process NAME` (the initial process) or of the `fork` step. */
  line: number;
  /** Name of the process that forked it; undefined for the initial one. */
  parent?: string;
}

/**
 * An fd operand. `name`: the number the name is bound to in the acting
 * process (names are inherited by fork and survive exec when the fd does).
 * `stale: true` (`stale:NAME` in files) uses the number the name had even if
 * the scenario closed it, for EBADF and number-reuse cases. `num`: a literal
 * fd number.
 */
export type FdRef =
  | { kind: 'name'; name: string; stale?: boolean }
  | { kind: 'num'; num: number };

/** Where a path is resolved: the cwd (the scenario's directory) or an fd. */
export type DirRef = { kind: 'cwd' } | { kind: 'fd'; fd: FdRef };

/** A process operand: its pid, or (pgrp) its process group, for F_SETOWN. */
export interface ProcRef {
  proc: string;
}

export type SignalDisposition = 'catch' | 'default' | 'ignore';

/** Bytes to write: literal text (chars 0..255, one byte each) or a fill. */
export type WriteData =
  | { kind: 'text'; text: string }
  | { kind: 'fill'; byte: number; count: number };

/**
 * The argument of fcntl. Which kind is used depends on the command:
 * none: F_GETFL F_GETFD F_GETOWN F_GETSIG F_GETLEASE F_GETOWN_EX
 * int: F_SETFL F_SETFD F_SETSIG F_SETLEASE F_DUPFD F_DUPFD_CLOEXEC (value)
 * owner: F_SETOWN (pid of proc, or -pgrp of proc when pgrp is true; null: 0)
 * ownerEx: F_SETOWN_EX (type F_OWNER_TID=0 / F_OWNER_PID=1 / F_OWNER_PGRP=2;
 *   the pid passed is the target process's pid for every type; null: 0)
 */
export type FcntlArg =
  | { kind: 'none' }
  | { kind: 'int'; value: number }
  | { kind: 'owner'; target: ProcRef | null; pgrp: boolean }
  | { kind: 'ownerEx'; type: number; target: ProcRef | null };

export interface Expectation {
  ret?: number;
  /** errno value (x86_64); 0 means "no error". */
  errno?: number;
  /** The step is expected to be reported blocked. */
  blocked?: boolean;
}

export type Op =
  | { kind: 'open'; result: string; dir: DirRef; path: string; flags: number; mode: number; at: boolean }
  | { kind: 'close'; fd: FdRef }
  | { kind: 'dup'; result: string; fd: FdRef }
  | { kind: 'dup2'; result: string; fd: FdRef; newfd: FdRef }
  | { kind: 'dup3'; result: string; fd: FdRef; newfd: FdRef; flags: number }
  | { kind: 'fork'; child: string }
  /** Re-executes the runner; close-on-exec applies; the process continues. */
  | { kind: 'execve' }
  | { kind: 'exit'; code: number }
  /** `result`: for F_DUPFD/F_DUPFD_CLOEXEC, the name bound to the new fd. */
  | { kind: 'fcntl'; fd: FdRef; cmd: number; arg: FcntlArg; result?: string }
  | { kind: 'read'; fd: FdRef; count: number }
  | { kind: 'write'; fd: FdRef; data: WriteData }
  | { kind: 'pread'; fd: FdRef; count: number; offset: number }
  | { kind: 'pwrite'; fd: FdRef; data: WriteData; offset: number }
  | { kind: 'lseek'; fd: FdRef; offset: number; whence: number }
  | { kind: 'truncate'; path: string; length: number }
  | { kind: 'ftruncate'; fd: FdRef; length: number }
  | { kind: 'fallocate'; fd: FdRef; mode: number; offset: number; length: number }
  | { kind: 'unlink'; path: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'link'; from: string; to: string }
  | { kind: 'mkdir'; path: string; mode: number }
  | { kind: 'rmdir'; path: string }
  /** statx(dirfd, path, flags, mask); an fd target uses AT_EMPTY_PATH. */
  | { kind: 'statx'; target: { kind: 'path'; path: string } | { kind: 'fd'; fd: FdRef }; mask: number }
  | { kind: 'mmap'; map: string; fd: FdRef | null; length: number; prot: number; flags: number; offset: number }
  | { kind: 'munmap'; map: string; offset: number; length: number | null }
  /** Memory access inside a named mapping; SIGBUS/SIGSEGV are outcomes. */
  | { kind: 'load'; map: string; offset: number }
  | { kind: 'store'; map: string; offset: number; value: number }
  | { kind: 'msync'; map: string; flags: number }
  /**
   * FS_IOC_FSGETXATTR on fd: ret = fsx_xflags (set null). With set a number:
   * FS_IOC_FSGETXATTR, then FS_IOC_FSSETXATTR with fsx_xflags = set and the
   * other fields as read; ret 0.
   */
  | { kind: 'fsxattr'; fd: FdRef; set: number | null }
  | { kind: 'fanotify_init'; result: string; flags: number; eventFlags: number }
  | { kind: 'fanotify_mark'; fd: FdRef; flags: number; mask: number; dir: DirRef; path: string | null }
  /** read(2) of a fanotify group; each event fd is bound to the next name. */
  | { kind: 'fanotify_read'; fd: FdRef; count: number; results: string[] }
  | { kind: 'fanotify_response'; fd: FdRef; eventFd: FdRef; response: number }
  /** readlink("/proc/self/fd/N"). */
  | { kind: 'readlink_fd'; fd: FdRef }
  /** ioctl(fd, FIONREAD, &n): ret = n (a fanotify group: bytes of its queued events), or -1/errno. */
  | { kind: 'fionread'; fd: FdRef }
  /**
   * poll({fd, POLLIN|POLLPRI|POLLOUT|POLLRDNORM|POLLRDBAND|POLLWRNORM|POLLWRBAND}, 1, timeoutMs):
   * ret = revents (0 when it timed out), or -1/errno.
   */
  | { kind: 'poll'; fd: FdRef; timeoutMs: Millis }
  /**
   * setrlimit(resource, {soft, hard as it is}) in this process (inherited by
   * fork). Only RLIMIT_NOFILE (7): new fds at or above `soft` fail with EMFILE.
   */
  | { kind: 'setrlimit'; resource: number; soft: number }
  | { kind: 'sysctl'; name: string; value: number }
  /** Sets this process's disposition of one signal (inherited by fork, kept across execve). */
  | { kind: 'signal'; signo: number; disposition: SignalDisposition }
  /**
   * setgroups(0, NULL), setresgid(uid x3), setresuid(uid x3) in this process
   * (inherited by fork): a non-zero uid drops every capability (CAP_LEASE).
   */
  | { kind: 'setuid'; uid: number }
  /**
   * Waits until a signal (signo, or any when null) is delivered to this process
   * and not yet consumed by an earlier wait-signal; ret = signo, or -1/EAGAIN
   * on timeout (as sigtimedwait).
   */
  | { kind: 'wait_signal'; signo: number | null; timeoutMs: Millis }
  | { kind: 'sleep'; ms: Millis }
  /** Observes that `proc`'s current step is still blocked (ret 1) or not (ret 0). */
  | { kind: 'expect_blocked'; proc: string }
  /** Waits up to timeoutMs for `proc`'s blocked step to complete (ret 0, or -1/ETIMEDOUT). */
  | { kind: 'await'; proc: string; timeoutMs: Millis };

export type OpKind = Op['kind'];

export interface Step {
  /** Index in Scenario.steps. */
  id: number;
  /** 1-based source line (0 for steps built in TypeScript without a file). */
  line: number;
  proc: string;
  op: Op;
  expect?: Expectation;
}

export interface Scenario {
  name: string;
  description: string;
  /** File the scenario came from, for messages; '' when built in TypeScript. */
  file: string;
  /** Profile features the kernel must have, else the verdict is not-applicable. */
  requires: FeatureName[];
  setup: GuestSetup;
  /** processes[0] exists at start; the others come into being by a fork step. */
  processes: ProcessDecl[];
  steps: Step[];
}
