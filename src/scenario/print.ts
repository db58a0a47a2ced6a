// Prints a Scenario back in the file format (docs/scenario-format.md), with
// symbolic flag names. parseScenario(printScenario(s)) gives s again, up to
// line numbers.

import type { DirRef, Expectation, FcntlArg, FdRef, Op, Scenario, Step, WriteData } from './ast.js';
import {
  F, FALLOC_FLAGS, FAN_EVENTS, FAN_INIT_FLAGS, FAN_MARK_FLAGS, FAN_RESPONSES, FCNTL_CMDS, FD_FLAGS, MAP_FLAGS,
  FS_XFLAGS, MSYNC_FLAGS, O, OPEN_FLAGS, PROT_FLAGS, STATX_MASK, WHENCE, errnoName, flagsToString, signalName, type NameTable,
} from './flags.js';

const nameOf = (t: NameTable, v: number): string => {
  for (const [k, x] of t) if (x === v) return k;
  return String(v);
};

export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

export function fdText(r: FdRef): string {
  if (r.kind === 'num') return String(r.num);
  return r.stale ? `stale:${r.name}` : r.name;
}

const dirText = (d: DirRef): string => (d.kind === 'cwd' ? 'AT_FDCWD' : fdText(d.fd));

/** Open flags with the access mode always spelled out. */
export function openFlagsText(v: number): string {
  const acc = v & O.ACCMODE;
  const rest = v & ~O.ACCMODE;
  const accName = acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : acc === 2 ? 'O_RDWR' : '3';
  return rest === 0 ? accName : `${accName}|${flagsToString(rest >>> 0, OPEN_FLAGS)}`;
}

const dataText = (d: WriteData): string => (d.kind === 'text' ? quote(d.text) : `fill ${d.byte} ${d.count}`);
const dur = (ms: number): string => (ms % 1000 === 0 && ms > 0 ? `${ms / 1000}s` : `${ms}ms`);

function fcntlArgText(cmd: number, a: FcntlArg): string {
  switch (a.kind) {
    case 'none': return '';
    case 'owner': return a.target ? (a.pgrp ? `-${a.target.proc}` : a.target.proc) : '0';
    case 'ownerEx': return `${nameOf(new Map([['F_OWNER_TID', 0], ['F_OWNER_PID', 1], ['F_OWNER_PGRP', 2]]), a.type)} ${a.target ? a.target.proc : '0'}`;
    case 'int':
      if (cmd === F.SETFL) return flagsToString(a.value, OPEN_FLAGS);
      if (cmd === F.SETFD) return flagsToString(a.value, FD_FLAGS);
      if (cmd === F.SETSIG) return a.value === 0 ? '0' : signalName(a.value);
      if (cmd === F.SETLEASE) return ['F_RDLCK', 'F_WRLCK', 'F_UNLCK'][a.value] ?? String(a.value);
      return String(a.value);
  }
}

export function opText(op: Op): string {
  switch (op.kind) {
    case 'open': {
      const mode = op.mode ? ` 0${op.mode.toString(8)}` : '';
      return op.at
        ? `${op.result} = openat ${dirText(op.dir)} ${quote(op.path)} ${openFlagsText(op.flags)}${mode}`
        : `${op.result} = open ${quote(op.path)} ${openFlagsText(op.flags)}${mode}`;
    }
    case 'close': return `close ${fdText(op.fd)}`;
    case 'dup': return `${op.result} = dup ${fdText(op.fd)}`;
    case 'dup2': return `${op.result} = dup2 ${fdText(op.fd)} ${fdText(op.newfd)}`;
    case 'dup3': return `${op.result} = dup3 ${fdText(op.fd)} ${fdText(op.newfd)} ${flagsToString(op.flags, OPEN_FLAGS)}`;
    case 'fork': return `fork ${op.child}`;
    case 'execve': return 'execve';
    case 'exit': return `exit ${op.code}`;
    case 'fcntl': {
      const arg = fcntlArgText(op.cmd, op.arg);
      const lhs = op.result ? `${op.result} = ` : '';
      return `${lhs}fcntl ${fdText(op.fd)} ${nameOf(FCNTL_CMDS, op.cmd)}${arg ? ' ' + arg : ''}`;
    }
    case 'read': return `read ${fdText(op.fd)} ${op.count}`;
    case 'write': return `write ${fdText(op.fd)} ${dataText(op.data)}`;
    case 'pread': return `pread ${fdText(op.fd)} ${op.count} ${op.offset}`;
    case 'pwrite': return `pwrite ${fdText(op.fd)} ${dataText(op.data)} ${op.offset}`;
    case 'lseek': return `lseek ${fdText(op.fd)} ${op.offset} ${nameOf(WHENCE, op.whence)}`;
    case 'truncate': return `truncate ${quote(op.path)} ${op.length}`;
    case 'ftruncate': return `ftruncate ${fdText(op.fd)} ${op.length}`;
    case 'fallocate': return `fallocate ${fdText(op.fd)} ${flagsToString(op.mode, FALLOC_FLAGS)} ${op.offset} ${op.length}`;
    case 'unlink': return `unlink ${quote(op.path)}`;
    case 'rename': return `rename ${quote(op.from)} ${quote(op.to)}`;
    case 'link': return `link ${quote(op.from)} ${quote(op.to)}`;
    case 'mkdir': return `mkdir ${quote(op.path)} 0${op.mode.toString(8)}`;
    case 'rmdir': return `rmdir ${quote(op.path)}`;
    case 'statx': return `statx ${op.target.kind === 'path' ? quote(op.target.path) : fdText(op.target.fd)} ${flagsToString(op.mask, STATX_MASK)}`;
    case 'mmap': return `${op.map} = mmap ${op.fd ? fdText(op.fd) : 'anon'} ${op.length} ${flagsToString(op.prot, PROT_FLAGS, 'PROT_NONE')} ${flagsToString(op.flags, MAP_FLAGS)} ${op.offset}`;
    case 'munmap': return op.length === null ? `munmap ${op.map}` : `munmap ${op.map} ${op.offset} ${op.length}`;
    case 'load': return `load ${op.map} ${op.offset}`;
    case 'store': return `store ${op.map} ${op.offset} ${op.value}`;
    case 'msync': return `msync ${op.map} ${flagsToString(op.flags, MSYNC_FLAGS)}`;
    case 'fsxattr': return op.set === null ? `fsgetxattr ${fdText(op.fd)}` : `fssetxattr ${fdText(op.fd)} ${op.set === 0 ? '0' : flagsToString(op.set, FS_XFLAGS)}`;
    case 'fanotify_init': return `${op.result} = fanotify_init ${flagsToString(op.flags, FAN_INIT_FLAGS, 'FAN_CLASS_NOTIF')} ${openFlagsText(op.eventFlags)}`;
    case 'fanotify_mark': {
      const path = op.path === null ? '' : ' ' + quote(op.path);
      const at = op.dir.kind === 'fd' ? ` at ${fdText(op.dir.fd)}` : '';
      return `fanotify_mark ${fdText(op.fd)} ${flagsToString(op.flags, FAN_MARK_FLAGS, 'FAN_MARK_INODE')} ${flagsToString(op.mask, FAN_EVENTS)}${path}${at}`;
    }
    case 'fanotify_read': return `${op.results.join(', ')} = fanotify_read ${fdText(op.fd)} ${op.count}`;
    case 'fanotify_response': return `fanotify_response ${fdText(op.fd)} ${fdText(op.eventFd)} ${flagsToString(op.response, FAN_RESPONSES)}`;
    case 'readlink_fd': return `readlink ${fdText(op.fd)}`;
    case 'fionread': return `fionread ${fdText(op.fd)}`;
    case 'poll': return `poll ${fdText(op.fd)} ${dur(op.timeoutMs)}`;
    case 'setrlimit': return `setrlimit RLIMIT_NOFILE ${op.soft}`;
    case 'sysctl': return `sysctl ${op.name} ${op.value}`;
    case 'signal': return `signal ${signalName(op.signo)} ${op.disposition}`;
    case 'wait_signal': return `wait-signal ${op.signo === null ? '' : signalName(op.signo) + ' '}${dur(op.timeoutMs)}`;
    case 'setuid': return `setuid ${op.uid}`;
    case 'sleep': return `sleep ${dur(op.ms)}`;
    case 'expect_blocked': return `expect-blocked ${op.proc}`;
    case 'await': return `await ${op.proc} ${dur(op.timeoutMs)}`;
  }
}

export function expectText(e: Expectation): string {
  const parts: string[] = [];
  if (e.ret !== undefined) parts.push(`ret=${e.ret}`);
  if (e.errno !== undefined) parts.push(`errno=${e.errno === 0 ? '0' : errnoName(e.errno)}`);
  if (e.blocked) parts.push('blocked');
  return parts.length ? ' expect ' + parts.join(' ') : '';
}

export function stepText(s: Step): string {
  return `${s.proc}: ${opText(s.op)}${s.expect ? expectText(s.expect) : ''}`;
}

export function printScenario(sc: Scenario): string {
  const out: string[] = [`scenario ${sc.name}`];
  if (sc.description) out.push(`description ${quote(sc.description)}`);
  if (sc.requires.length) out.push(`requires ${sc.requires.join(' ')}`);
  const { pmem, fs, dax } = sc.setup;
  out.push(`setup pmem=${pmem} fs=${fs} dax=${dax}`);
  for (const s of sc.setup.sysctls) out.push(`sysctl ${s.name}=${s.value}`);
  const first = sc.processes[0];
  if (first) out.push(`process ${first.name}`);
  out.push('');
  for (const s of sc.steps) out.push(stepText(s));
  return out.join('\n') + '\n';
}

