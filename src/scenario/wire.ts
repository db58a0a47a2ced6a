// Serializes scenarios (src/scenario/ast.ts) into the plan that
// guest/probes/runner (vfslab-runner) executes. The format is documented in
// docs/runner-protocol.md: one line per item, space-separated tokens,
// key=value step arguments, strings percent-escaped, flags as numbers.
import type { DirRef, FcntlArg, FdRef, Op, Scenario, Step, WriteData } from './ast.js';

export interface WireOptions {
  /** Per-scenario settle time (ms); the runner's --settle-ms when absent. */
  settleMs?: number;
  /** Per-scenario watchdog (ms); the runner's --watchdog-ms when absent. */
  watchdogMs?: number;
}

/** A scenario that cannot be expressed as a plan (names the scenario and step). */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

const SAFE = /^[A-Za-z0-9._/+:-]$/;

function pctBytes(bytes: Iterable<number>): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += SAFE.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Percent-escapes a name or path (UTF-8). */
export function escapeText(s: string): string {
  return pctBytes(Buffer.from(s, 'utf8'));
}

/** Percent-escapes byte data given as a string of chars 0..255. */
export function escapeBytes(s: string, where: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new WireError(`${where}: data char ${i} is U+${c.toString(16)}, but data bytes must be 0..255`);
    bytes.push(c);
  }
  return pctBytes(bytes);
}

/** Decodes a percent-escaped token back to bytes (for tests and tools). */
export function unescapeToken(tok: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < tok.length; i++) {
    if (tok[i] === '%') {
      out.push(parseInt(tok.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(tok.charCodeAt(i));
  }
  return Buffer.from(out);
}

const str = (s: string): string => `'${escapeText(s)}`;

class StepWriter {
  private parts: string[] = [];
  constructor(private readonly where: string) {}
  int(key: string, v: number): this {
    if (!Number.isSafeInteger(v)) throw new WireError(`${this.where}: ${key} must be an integer, got ${v}`);
    this.parts.push(`${key}=${v}`);
    return this;
  }
  str(key: string, v: string): this {
    this.parts.push(`${key}=${str(v)}`);
    return this;
  }
  raw(key: string, v: string): this {
    this.parts.push(`${key}=${v}`);
    return this;
  }
  fd(key: string, f: FdRef): this {
    if (f.kind === 'num') return this.int(key, f.num);
    if (f.name === '') throw new WireError(`${this.where}: empty fd name`);
    return this.raw(key, `${f.stale ? '!' : '@'}${escapeText(f.name)}`);
  }
  dir(d: DirRef): this {
    return d.kind === 'cwd' ? this.raw('dir', '~') : this.fd('dir', d.fd);
  }
  data(d: WriteData): this {
    if (d.kind === 'text') return this.raw('data', `'${escapeBytes(d.text, this.where)}`);
    return this.int('fill', d.byte).int('count', d.count);
  }
  toString(): string {
    return this.parts.join(' ');
  }
}

function fcntlArg(w: StepWriter, a: FcntlArg): void {
  switch (a.kind) {
    case 'none':
      w.raw('arg', 'none');
      break;
    case 'int':
      w.raw('arg', 'int').int('value', a.value);
      break;
    case 'owner':
      w.raw('arg', 'owner');
      if (a.target) w.str('target', a.target.proc);
      else w.raw('target', '~');
      w.int('pgrp', a.pgrp ? 1 : 0);
      break;
    case 'ownerEx':
      w.raw('arg', 'ownerex').int('type', a.type);
      if (a.target) w.str('target', a.target.proc);
      else w.raw('target', '~');
      // The target's pid for every type, F_OWNER_PGRP included (ast.ts FcntlArg,
      // docs/scenario-format.md): "F_OWNER_PGRP B" for a B that leads no group
      // names a group without members. The runner would pass the pgid on pgrp=1.
      w.int('pgrp', 0);
      break;
  }
}

/** The key=value arguments of one op. */
export function opArgs(op: Op, where: string): string {
  const w = new StepWriter(where);
  switch (op.kind) {
    case 'open':
      w.str('result', op.result).dir(op.dir).str('path', op.path).int('flags', op.flags).int('mode', op.mode);
      w.int('at', op.at ? 1 : 0);
      break;
    case 'close':
      w.fd('fd', op.fd);
      break;
    case 'dup':
      w.str('result', op.result).fd('fd', op.fd);
      break;
    case 'dup2':
      w.str('result', op.result).fd('fd', op.fd).fd('newfd', op.newfd);
      break;
    case 'dup3':
      w.str('result', op.result).fd('fd', op.fd).fd('newfd', op.newfd).int('flags', op.flags);
      break;
    case 'fork':
      w.str('child', op.child);
      break;
    case 'execve':
      break;
    case 'exit':
      w.int('code', op.code);
      break;
    case 'fcntl':
      w.fd('fd', op.fd).int('cmd', op.cmd);
      fcntlArg(w, op.arg);
      if (op.result !== undefined) w.str('result', op.result);
      break;
    case 'read':
      w.fd('fd', op.fd).int('count', op.count);
      break;
    case 'write':
      w.fd('fd', op.fd).data(op.data);
      break;
    case 'pread':
      w.fd('fd', op.fd).int('count', op.count).int('offset', op.offset);
      break;
    case 'pwrite':
      w.fd('fd', op.fd).data(op.data).int('offset', op.offset);
      break;
    case 'lseek':
      w.fd('fd', op.fd).int('offset', op.offset).int('whence', op.whence);
      break;
    case 'truncate':
      w.str('path', op.path).int('length', op.length);
      break;
    case 'ftruncate':
      w.fd('fd', op.fd).int('length', op.length);
      break;
    case 'fallocate':
      w.fd('fd', op.fd).int('mode', op.mode).int('offset', op.offset).int('length', op.length);
      break;
    case 'unlink':
    case 'rmdir':
      w.str('path', op.path);
      break;
    case 'rename':
    case 'link':
      w.str('from', op.from).str('to', op.to);
      break;
    case 'mkdir':
      w.str('path', op.path).int('mode', op.mode);
      break;
    case 'statx':
      if (op.target.kind === 'path') w.str('path', op.target.path);
      else w.fd('fd', op.target.fd);
      w.int('mask', op.mask);
      break;
    case 'mmap':
      w.str('map', op.map);
      if (op.fd) w.fd('fd', op.fd);
      else w.raw('fd', '~');
      w.int('length', op.length).int('prot', op.prot).int('flags', op.flags).int('offset', op.offset);
      break;
    case 'munmap':
      w.str('map', op.map).int('offset', op.offset);
      if (op.length !== null) w.int('length', op.length);
      break;
    case 'load':
      w.str('map', op.map).int('offset', op.offset);
      break;
    case 'store':
      w.str('map', op.map).int('offset', op.offset).int('value', op.value);
      break;
    case 'msync':
      w.str('map', op.map).int('flags', op.flags);
      break;
    case 'fsxattr':
      w.fd('fd', op.fd);
      if (op.set !== null) w.int('set', op.set);
      break;
    case 'fanotify_init':
      w.str('result', op.result).int('flags', op.flags).int('eventflags', op.eventFlags);
      break;
    case 'fanotify_mark':
      w.fd('fd', op.fd).int('flags', op.flags).int('mask', op.mask).dir(op.dir);
      if (op.path === null) w.raw('path', '~');
      else w.str('path', op.path);
      break;
    case 'fanotify_read':
      for (const r of op.results)
        if (r === '' || r.includes(','))
          throw new WireError(`${where}: event fd name ${JSON.stringify(r)} must be non-empty without ','`);
      w.fd('fd', op.fd).int('count', op.count).str('results', op.results.join(','));
      break;
    case 'fanotify_response':
      w.fd('fd', op.fd).fd('eventfd', op.eventFd).int('response', op.response);
      break;
    case 'readlink_fd':
    case 'fionread':
      w.fd('fd', op.fd);
      break;
    case 'poll':
      w.fd('fd', op.fd).int('timeout', op.timeoutMs);
      break;
    case 'sysctl':
      w.str('name', op.name).int('value', op.value);
      break;
    case 'signal':
      w.int('signo', op.signo).str('disposition', op.disposition);
      break;
    case 'setuid':
      w.int('uid', op.uid);
      break;
    case 'setrlimit':
      w.int('resource', op.resource).int('soft', op.soft);
      break;
    case 'wait_signal':
      if (op.signo !== null) w.int('signo', op.signo);
      w.int('timeout', op.timeoutMs);
      break;
    case 'sleep':
      w.int('ms', op.ms);
      break;
    case 'expect_blocked':
      w.str('proc', op.proc);
      break;
    case 'await':
      w.str('proc', op.proc).int('timeout', op.timeoutMs);
      break;
    default: {
      const never: never = op;
      throw new WireError(`${where}: unknown op ${JSON.stringify(never)}`);
    }
  }
  return w.toString();
}

function stepLine(s: Step, index: number, scen: string): string {
  const where = `scenario ${JSON.stringify(scen)} step ${index}${s.line ? ` (line ${s.line})` : ''}`;
  if (s.id !== index) throw new WireError(`${where}: step id ${s.id} should equal its index ${index}`);
  const args = opArgs(s.op, where);
  return `step ${index} ${escapeText(s.proc)} ${s.op.kind}${args ? ' ' + args : ''}`;
}

/** The plan lines of one scenario, from `scenario` to `end`. */
export function serializeScenario(s: Scenario, opts: WireOptions = {}): string {
  const initial = s.processes[0];
  if (!initial) throw new WireError(`scenario ${JSON.stringify(s.name)}: no initial process`);
  const lines = [`scenario ${escapeText(s.name)}`];
  if (opts.settleMs !== undefined) lines.push(`settle ${opts.settleMs}`);
  if (opts.watchdogMs !== undefined) lines.push(`watchdog ${opts.watchdogMs}`);
  for (const sc of s.setup.sysctls) lines.push(`sysctl ${escapeText(sc.name)} ${escapeText(String(sc.value))}`);
  lines.push(`process ${escapeText(initial.name)}`);
  s.steps.forEach((st, i) => lines.push(stepLine(st, i, s.name)));
  lines.push('end');
  return lines.join('\n') + '\n';
}

/** A whole plan: header plus each scenario; scenario i gets index i in the trace. */
export function serializePlan(scenarios: readonly Scenario[], opts: WireOptions = {}): string {
  return 'vfslab-plan 1\n' + scenarios.map((s) => serializeScenario(s, opts)).join('');
}
