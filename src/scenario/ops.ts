// The step syntax, one entry per op: its usage line (shown in errors and in
// docs/scenario-format.md) and how its arguments become an Op.

import type { DirRef, FcntlArg, Op, SignalDisposition } from './ast.js';
import { Args, ArgError, IDENT, parseDuration } from './args.js';
import {
  F, FALLOC_FLAGS, FAN_EVENTS, FAN_INIT_FLAGS, FAN_MARK_FLAGS, FAN_RESPONSES, FCNTL_CMDS, FD_FLAGS,
  FS_XFLAGS, LEASE_TYPES, MAP_FLAGS, MSYNC_FLAGS, OPEN_FLAGS, OWNER_TYPES, PROT_FLAGS, STATX_MASK, SYSCTLS, WHENCE,
  lookupSignal,
} from './flags.js';

/** How many names an op binds on the left of `=`. */
export type Binding = 'none' | 'one' | 'optional' | 'many';

export interface OpSyntax {
  name: string;
  usage: string;
  binds: Binding;
  parse(a: Args, results: string[]): Op;
}

const one = (r: string[]): string => r[0]!;

function fcntlArg(a: Args, cmd: number): FcntlArg {
  switch (cmd) {
    case F.GETFL: case F.GETFD: case F.GETOWN: case F.GETSIG: case F.GETLEASE: case F.GETOWN_EX:
      return { kind: 'none' };
    case F.SETFL:
      return { kind: 'int', value: a.flags('F_SETFL flags', OPEN_FLAGS) };
    case F.SETFD:
      return { kind: 'int', value: a.flags('F_SETFD flags', FD_FLAGS) };
    case F.SETSIG: {
      // A bare number is passed as is (F_SETSIG 65 tests EINVAL).
      const t = a.peek();
      return { kind: 'int', value: t && t.kind === 'word' && /^\d+$/.test(t.text) ? a.int('signal', 0) : a.signal() };
    }
    case F.SETLEASE:
      return { kind: 'int', value: a.named('lease type', LEASE_TYPES) };
    case F.DUPFD: case F.DUPFD_CLOEXEC:
      return { kind: 'int', value: a.int('minimum fd', 0) };
    case F.SETOWN: {
      const w = a.word('owner (PROC, -PROC for its process group, or 0)');
      if (w === '0') return { kind: 'owner', target: null, pgrp: false };
      const pgrp = w.startsWith('-');
      const proc = pgrp ? w.slice(1) : w;
      if (!IDENT.test(proc)) throw new ArgError(`bad owner "${w}"`, ['PROC', '-PROC', '0']);
      return { kind: 'owner', target: { proc }, pgrp };
    }
    case F.SETOWN_EX: {
      const type = a.named('owner type', OWNER_TYPES);
      const w = a.word('owner (PROC or 0)');
      if (w === '0') return { kind: 'ownerEx', type, target: null };
      if (!IDENT.test(w)) throw new ArgError(`bad owner "${w}"`, ['PROC', '0']);
      return { kind: 'ownerEx', type, target: { proc: w } };
    }
    default:
      return a.atEnd() ? { kind: 'none' } : { kind: 'int', value: a.int('argument') };
  }
}

const syntaxes: OpSyntax[] = [
  { name: 'open', usage: 'F = open "PATH" FLAGS [MODE]', binds: 'one',
    parse: (a, r) => ({ kind: 'open', result: one(r), dir: { kind: 'cwd' }, path: a.path(), flags: a.flags('open flags', OPEN_FLAGS), mode: a.atEnd() ? 0 : a.int('mode', 0), at: false }) },
  { name: 'openat', usage: 'F = openat DIRFD|AT_FDCWD "PATH" FLAGS [MODE]', binds: 'one',
    parse: (a, r) => ({ kind: 'open', result: one(r), dir: a.dir(), path: a.path(), flags: a.flags('open flags', OPEN_FLAGS), mode: a.atEnd() ? 0 : a.int('mode', 0), at: true }) },
  { name: 'close', usage: 'close FD', binds: 'none', parse: (a) => ({ kind: 'close', fd: a.fd() }) },
  { name: 'dup', usage: 'G = dup FD', binds: 'one', parse: (a, r) => ({ kind: 'dup', result: one(r), fd: a.fd() }) },
  { name: 'dup2', usage: 'G = dup2 FD NEWFD', binds: 'one', parse: (a, r) => ({ kind: 'dup2', result: one(r), fd: a.fd(), newfd: a.fd() }) },
  { name: 'dup3', usage: 'G = dup3 FD NEWFD FLAGS', binds: 'one',
    parse: (a, r) => ({ kind: 'dup3', result: one(r), fd: a.fd(), newfd: a.fd(), flags: a.flags('dup3 flags', OPEN_FLAGS) }) },
  { name: 'fork', usage: 'fork CHILD', binds: 'none', parse: (a) => ({ kind: 'fork', child: a.ident('child process name') }) },
  { name: 'execve', usage: 'execve', binds: 'none', parse: () => ({ kind: 'execve' }) },
  { name: 'exit', usage: 'exit [CODE]', binds: 'none', parse: (a) => ({ kind: 'exit', code: a.atEnd() ? 0 : a.int('exit code', 0) }) },
  { name: 'fcntl', usage: '[G =] fcntl FD CMD [ARG]', binds: 'optional',
    parse: (a, r) => {
      const fd = a.fd();
      const cmd = a.named('fcntl command', FCNTL_CMDS);
      const arg = fcntlArg(a, cmd);
      const dupish = cmd === F.DUPFD || cmd === F.DUPFD_CLOEXEC;
      if (dupish && r.length !== 1) throw new ArgError('F_DUPFD needs a name for the new fd', ['G = fcntl FD F_DUPFD MIN']);
      if (!dupish && r.length > 0) throw new ArgError('only F_DUPFD and F_DUPFD_CLOEXEC bind a name', ['fcntl FD CMD [ARG]']);
      return dupish ? { kind: 'fcntl', fd, cmd, arg, result: one(r) } : { kind: 'fcntl', fd, cmd, arg };
    } },
  { name: 'read', usage: 'read FD COUNT', binds: 'none', parse: (a) => ({ kind: 'read', fd: a.fd(), count: a.int('count', 0) }) },
  { name: 'write', usage: 'write FD "TEXT" | write FD fill BYTE COUNT', binds: 'none', parse: (a) => ({ kind: 'write', fd: a.fd(), data: a.data() }) },
  { name: 'pread', usage: 'pread FD COUNT OFFSET', binds: 'none',
    parse: (a) => ({ kind: 'pread', fd: a.fd(), count: a.int('count', 0), offset: a.int('offset') }) },
  { name: 'pwrite', usage: 'pwrite FD "TEXT"|fill BYTE COUNT OFFSET', binds: 'none',
    parse: (a) => ({ kind: 'pwrite', fd: a.fd(), data: a.data(), offset: a.int('offset') }) },
  { name: 'lseek', usage: 'lseek FD OFFSET SEEK_SET|SEEK_CUR|SEEK_END', binds: 'none',
    parse: (a) => ({ kind: 'lseek', fd: a.fd(), offset: a.int('offset'), whence: a.named('whence', WHENCE) }) },
  { name: 'truncate', usage: 'truncate "PATH" LENGTH', binds: 'none', parse: (a) => ({ kind: 'truncate', path: a.path(), length: a.int('length') }) },
  { name: 'ftruncate', usage: 'ftruncate FD LENGTH', binds: 'none', parse: (a) => ({ kind: 'ftruncate', fd: a.fd(), length: a.int('length') }) },
  { name: 'fallocate', usage: 'fallocate FD MODE OFFSET LENGTH', binds: 'none',
    parse: (a) => ({ kind: 'fallocate', fd: a.fd(), mode: a.flags('fallocate mode', FALLOC_FLAGS), offset: a.int('offset'), length: a.int('length') }) },
  { name: 'unlink', usage: 'unlink "PATH"', binds: 'none', parse: (a) => ({ kind: 'unlink', path: a.path() }) },
  { name: 'rename', usage: 'rename "FROM" "TO"', binds: 'none', parse: (a) => ({ kind: 'rename', from: a.path(), to: a.path() }) },
  { name: 'link', usage: 'link "EXISTING" "NEW"', binds: 'none', parse: (a) => ({ kind: 'link', from: a.path(), to: a.path() }) },
  { name: 'mkdir', usage: 'mkdir "PATH" [MODE]', binds: 'none', parse: (a) => ({ kind: 'mkdir', path: a.path(), mode: a.atEnd() ? 0o755 : a.int('mode', 0) }) },
  { name: 'rmdir', usage: 'rmdir "PATH"', binds: 'none', parse: (a) => ({ kind: 'rmdir', path: a.path() }) },
  { name: 'statx', usage: 'statx "PATH"|FD [MASK]', binds: 'none',
    parse: (a) => {
      const t = a.peek();
      const target = t && t.kind === 'string' ? { kind: 'path' as const, path: a.path() } : { kind: 'fd' as const, fd: a.fd() };
      return { kind: 'statx', target, mask: a.atEnd() ? 0x7ff : a.flags('statx mask', STATX_MASK) };
    } },
  { name: 'mmap', usage: 'M = mmap FD|anon LENGTH PROT FLAGS [OFFSET]', binds: 'one',
    parse: (a, r) => {
      let fd = null;
      if (a.isWord('anon')) a.skip();
      else fd = a.fd();
      return { kind: 'mmap', map: one(r), fd, length: a.int('length', 0), prot: a.flags('prot', PROT_FLAGS), flags: a.flags('mmap flags', MAP_FLAGS), offset: a.atEnd() ? 0 : a.int('offset', 0) };
    } },
  { name: 'munmap', usage: 'munmap M [OFFSET LENGTH]', binds: 'none',
    parse: (a) => {
      const map = a.ident('mapping name');
      if (a.atEnd()) return { kind: 'munmap', map, offset: 0, length: null };
      return { kind: 'munmap', map, offset: a.int('offset', 0), length: a.int('length', 0) };
    } },
  { name: 'load', usage: 'load M OFFSET', binds: 'none', parse: (a) => ({ kind: 'load', map: a.ident('mapping name'), offset: a.int('offset', 0) }) },
  { name: 'store', usage: 'store M OFFSET BYTE', binds: 'none',
    parse: (a) => {
      const map = a.ident('mapping name');
      const offset = a.int('offset', 0);
      const value = a.int('byte', 0);
      if (value > 255) throw new ArgError(`bad byte ${value}: must be 0..255`, ['store M OFFSET BYTE']);
      return { kind: 'store', map, offset, value };
    } },
  { name: 'msync', usage: 'msync M MS_SYNC|MS_ASYNC', binds: 'none', parse: (a) => ({ kind: 'msync', map: a.ident('mapping name'), flags: a.flags('msync flags', MSYNC_FLAGS) }) },
  { name: 'fsgetxattr', usage: 'fsgetxattr FD   (FS_IOC_FSGETXATTR: ret = fsx_xflags)', binds: 'none', parse: (a) => ({ kind: 'fsxattr', fd: a.fd(), set: null }) },
  { name: 'fssetxattr', usage: 'fssetxattr FD XFLAGS   (FS_IOC_FSSETXATTR with fsx_xflags = XFLAGS: FS_XFLAG_DAX, 0, ...)', binds: 'none',
    parse: (a) => ({ kind: 'fsxattr', fd: a.fd(), set: a.flags('fsx_xflags', FS_XFLAGS) }) },
  { name: 'fanotify_init', usage: 'G = fanotify_init FLAGS EVENT_F_FLAGS', binds: 'one',
    parse: (a, r) => ({ kind: 'fanotify_init', result: one(r), flags: a.flags('fanotify_init flags', FAN_INIT_FLAGS), eventFlags: a.flags('event_f_flags', OPEN_FLAGS) }) },
  { name: 'fanotify_mark', usage: 'fanotify_mark G FLAGS MASK ["PATH"] [at DIRFD]', binds: 'none',
    parse: (a) => {
      const fd = a.fd();
      const flags = a.flags('fanotify_mark flags', FAN_MARK_FLAGS);
      const mask = a.flags('event mask', FAN_EVENTS);
      const t = a.peek();
      const path = t && t.kind === 'string' ? a.path() : null;
      let dir: DirRef = { kind: 'cwd' };
      if (a.isWord('at')) {
        a.skip();
        dir = { kind: 'fd', fd: a.fd() };
      }
      return { kind: 'fanotify_mark', fd, flags, mask, dir, path };
    } },
  { name: 'fanotify_read', usage: 'E1[, E2 ...] = fanotify_read G COUNT', binds: 'many',
    parse: (a, r) => ({ kind: 'fanotify_read', fd: a.fd(), count: a.int('count', 0), results: r }) },
  { name: 'fanotify_response', usage: 'fanotify_response G EVENT_FD FAN_ALLOW|FAN_DENY', binds: 'none',
    parse: (a) => ({ kind: 'fanotify_response', fd: a.fd(), eventFd: a.fd(), response: a.flags('response', FAN_RESPONSES) }) },
  { name: 'setuid', usage: 'setuid UID   (setgroups+setresgid+setresuid: drops all capabilities unless 0)', binds: 'none',
    parse: (a) => ({ kind: 'setuid', uid: a.int('uid', 0) }) },
  { name: 'fionread', usage: 'fionread FD   (ioctl FIONREAD: ret = the byte count it stores)', binds: 'none', parse: (a) => ({ kind: 'fionread', fd: a.fd() }) },
  { name: 'poll', usage: 'poll FD [TIMEOUT]   (ret = revents; TIMEOUT e.g. 100ms, default 0)', binds: 'none',
    parse: (a) => ({ kind: 'poll', fd: a.fd(), timeoutMs: a.atEnd() ? 0 : a.duration() }) },
  { name: 'setrlimit', usage: 'setrlimit RLIMIT_NOFILE SOFT   (soft limit of this process; the hard limit stays)', binds: 'none',
    parse: (a) => {
      const r = a.word('resource');
      if (r !== 'RLIMIT_NOFILE') throw new ArgError(`unsupported resource "${r}"`, ['RLIMIT_NOFILE']);
      return { kind: 'setrlimit', resource: 7, soft: a.int('soft limit', 0) };
    } },
  { name: 'readlink', usage: 'readlink FD   (readlink of /proc/self/fd/N)', binds: 'none', parse: (a) => ({ kind: 'readlink_fd', fd: a.fd() }) },
  { name: 'sysctl', usage: `sysctl NAME VALUE   (NAME: ${[...SYSCTLS.keys()].join(', ')})`, binds: 'none',
    parse: (a) => {
      const name = a.word('sysctl name');
      if (!SYSCTLS.has(name)) throw new ArgError(`unknown sysctl "${name}"`, [...SYSCTLS.keys()]);
      return { kind: 'sysctl', name, value: a.int('value') };
    } },
  { name: 'signal', usage: 'signal SIG catch|default|ignore', binds: 'none',
    parse: (a) => {
      const signo = a.signal();
      const d = a.word('disposition');
      if (d !== 'catch' && d !== 'default' && d !== 'ignore') throw new ArgError(`bad disposition "${d}"`, ['catch', 'default', 'ignore']);
      return { kind: 'signal', signo, disposition: d as SignalDisposition };
    } },
  { name: 'wait-signal', usage: 'wait-signal [SIG] TIMEOUT   (e.g. wait-signal SIGIO 2s)', binds: 'none',
    parse: (a) => {
      const t = a.peek();
      const signo = t && t.kind === 'word' && lookupSignal(t.text) !== undefined && parseDuration(t.text) === undefined ? a.signal() : null;
      return { kind: 'wait_signal', signo, timeoutMs: a.duration() };
    } },
  { name: 'sleep', usage: 'sleep DURATION   (e.g. 100ms, 1.5s)', binds: 'none', parse: (a) => ({ kind: 'sleep', ms: a.duration() }) },
  { name: 'expect-blocked', usage: 'expect-blocked PROC', binds: 'none', parse: (a) => ({ kind: 'expect_blocked', proc: a.ident('process name') }) },
  { name: 'await', usage: 'await PROC TIMEOUT', binds: 'none', parse: (a) => ({ kind: 'await', proc: a.ident('process name'), timeoutMs: a.duration() }) },
];

const byName = new Map<string, OpSyntax>();
for (const s of syntaxes) {
  byName.set(s.name, s);
  byName.set(s.name.replaceAll('_', '-'), s);
  byName.set(s.name.replaceAll('-', '_'), s);
}

/** Op names accept `_` and `-` interchangeably (fanotify-init = fanotify_init). */
export function opSyntax(name: string): OpSyntax | undefined {
  return byName.get(name);
}

export const OP_SYNTAXES: readonly OpSyntax[] = syntaxes;
