// Builds the same Scenario AST from TypeScript (fuzzers, tests, generated
// suites). Flags may be given as numbers or as the file format's symbolic
// text ("O_RDWR|O_CREAT"). build() runs the same semantic checks as the
// parser and throws ScenarioBuildError listing them.

import type { DaxMode, Expectation, FcntlArg, FdRef, FsType, Op, PmemBackend, Scenario, SignalDisposition, Step, WriteData } from './ast.js';
import { parseFlags } from './args.js';
import { FCNTL_CMDS, FD_FLAGS, LEASE_TYPES, OPEN_FLAGS, OWNER_TYPES, WHENCE, lookupSignal, type NameTable } from './flags.js';
import { validateScenario } from './validate.js';

export class ScenarioBuildError extends Error {
  constructor(readonly problems: { line: number; message: string }[]) {
    super(problems.map((p) => `step at index ${p.line}: ${p.message}`).join('\n'));
  }
}

type Flags = number | string;
const flags = (v: Flags, what: string, t: NameTable): number => (typeof v === 'number' ? v : parseFlags(v, what, [t]));

/** `"f1"` is a name, `5` a number, `{ stale: "f1" }` the number f1 had. */
export type FdArg = string | number | { stale: string };

export function fdRef(a: FdArg): FdRef {
  if (typeof a === 'number') return { kind: 'num', num: a };
  if (typeof a === 'string') return { kind: 'name', name: a };
  return { kind: 'name', name: a.stale, stale: true };
}

const data = (d: string | WriteData): WriteData => (typeof d === 'string' ? { kind: 'text', text: d } : d);

export class ScenarioBuilder {
  private readonly sc: Scenario;

  constructor(name: string, initial = 'A') {
    this.sc = {
      name, description: '', file: '', requires: [],
      setup: { pmem: 'any', fs: 'any', dax: 'any', sysctls: [] },
      processes: [{ name: initial, line: 0 }], steps: [],
    };
  }

  describe(text: string): this {
    this.sc.description = text;
    return this;
  }

  requires(...features: string[]): this {
    this.sc.requires.push(...features);
    return this;
  }

  setup(s: { pmem?: PmemBackend | 'any'; fs?: FsType | 'any'; dax?: DaxMode | 'any' }): this {
    Object.assign(this.sc.setup, s);
    return this;
  }

  sysctl(name: string, value: number): this {
    this.sc.setup.sysctls.push({ name, value, line: 0 });
    return this;
  }

  /** Steps run by one process; the process must exist (initial or forked) when they run. */
  proc(name: string): ProcBuilder {
    return new ProcBuilder(this, name);
  }

  /** @internal */
  push(proc: string, op: Op): Step {
    const step: Step = { id: this.sc.steps.length, line: 0, proc, op };
    this.sc.steps.push(step);
    return step;
  }

  build(): Scenario {
    const sc: Scenario = structuredClone(this.sc);
    sc.processes = sc.processes.slice(0, 1);
    const errs = validateScenario(sc);
    if (errs.length) throw new ScenarioBuildError(errs.map((e) => ({ line: e.line, message: e.message })));
    return sc;
  }
}

export class ProcBuilder {
  private last: Step | null = null;
  constructor(private readonly b: ScenarioBuilder, readonly name: string) {}

  private add(op: Op): this {
    this.last = this.b.push(this.name, op);
    return this;
  }

  /** Pins a hand-written expectation on the previous step (a second opinion). */
  expect(e: Expectation): this {
    if (!this.last) throw new Error('expect() needs a step before it');
    this.last.expect = e;
    return this;
  }

  open(result: string, path: string, f: Flags, mode = 0): this {
    return this.add({ kind: 'open', result, dir: { kind: 'cwd' }, path, flags: flags(f, 'open flags', OPEN_FLAGS), mode, at: false });
  }
  openat(result: string, dir: FdArg, path: string, f: Flags, mode = 0): this {
    return this.add({ kind: 'open', result, dir: { kind: 'fd', fd: fdRef(dir) }, path, flags: flags(f, 'open flags', OPEN_FLAGS), mode, at: true });
  }
  close(fd: FdArg): this { return this.add({ kind: 'close', fd: fdRef(fd) }); }
  dup(result: string, fd: FdArg): this { return this.add({ kind: 'dup', result, fd: fdRef(fd) }); }
  dup2(result: string, fd: FdArg, newfd: FdArg): this { return this.add({ kind: 'dup2', result, fd: fdRef(fd), newfd: fdRef(newfd) }); }
  dup3(result: string, fd: FdArg, newfd: FdArg, f: Flags): this {
    return this.add({ kind: 'dup3', result, fd: fdRef(fd), newfd: fdRef(newfd), flags: flags(f, 'dup3 flags', OPEN_FLAGS) });
  }
  /** Forks; returns a builder for the child. */
  fork(child: string): ProcBuilder {
    this.add({ kind: 'fork', child });
    return new ProcBuilder(this.b, child);
  }
  execve(): this { return this.add({ kind: 'execve' }); }
  exit(code = 0): this { return this.add({ kind: 'exit', code }); }

  /**
   * fcntl with the argument in file syntax: fcntl('f', 'F_SETFL', 'O_APPEND'),
   * fcntl('f', 'F_SETOWN', '-A'), fcntl('f', 'F_SETOWN_EX', 'F_OWNER_PID A').
   */
  fcntl(fd: FdArg, cmd: string | number, arg?: string | number, result?: string): this {
    const c = typeof cmd === 'number' ? cmd : FCNTL_CMDS.get(cmd);
    if (c === undefined) throw new Error(`unknown fcntl command ${cmd}`);
    const op: Op = { kind: 'fcntl', fd: fdRef(fd), cmd: c, arg: fcntlArg(cmd, arg) };
    if (result) op.result = result;
    return this.add(op);
  }
  read(fd: FdArg, count: number): this { return this.add({ kind: 'read', fd: fdRef(fd), count }); }
  write(fd: FdArg, d: string | WriteData): this { return this.add({ kind: 'write', fd: fdRef(fd), data: data(d) }); }
  pread(fd: FdArg, count: number, offset: number): this { return this.add({ kind: 'pread', fd: fdRef(fd), count, offset }); }
  pwrite(fd: FdArg, d: string | WriteData, offset: number): this { return this.add({ kind: 'pwrite', fd: fdRef(fd), data: data(d), offset }); }
  lseek(fd: FdArg, offset: number, whence: string | number = 'SEEK_SET'): this {
    return this.add({ kind: 'lseek', fd: fdRef(fd), offset, whence: typeof whence === 'number' ? whence : WHENCE.get(whence)! });
  }
  truncate(path: string, length: number): this { return this.add({ kind: 'truncate', path, length }); }
  ftruncate(fd: FdArg, length: number): this { return this.add({ kind: 'ftruncate', fd: fdRef(fd), length }); }
  unlink(path: string): this { return this.add({ kind: 'unlink', path }); }
  rename(from: string, to: string): this { return this.add({ kind: 'rename', from, to }); }
  link(from: string, to: string): this { return this.add({ kind: 'link', from, to }); }
  mkdir(path: string, mode = 0o755): this { return this.add({ kind: 'mkdir', path, mode }); }
  statx(target: string | { fd: FdArg }, mask = 0x7ff): this {
    return this.add({ kind: 'statx', target: typeof target === 'string' ? { kind: 'path', path: target } : { kind: 'fd', fd: fdRef(target.fd) }, mask });
  }
  readlink(fd: FdArg): this { return this.add({ kind: 'readlink_fd', fd: fdRef(fd) }); }
  fionread(fd: FdArg): this { return this.add({ kind: 'fionread', fd: fdRef(fd) }); }
  poll(fd: FdArg, timeoutMs = 0): this { return this.add({ kind: 'poll', fd: fdRef(fd), timeoutMs }); }
  sysctl(name: string, value: number): this { return this.add({ kind: 'sysctl', name, value }); }
  signal(sig: string | number, disposition: SignalDisposition): this {
    return this.add({ kind: 'signal', signo: sigNum(sig), disposition });
  }
  waitSignal(timeoutMs: number, sig?: string | number): this {
    return this.add({ kind: 'wait_signal', signo: sig === undefined ? null : sigNum(sig), timeoutMs });
  }
  sleep(ms: number): this { return this.add({ kind: 'sleep', ms }); }
  setuid(uid: number): this { return this.add({ kind: 'setuid', uid }); }
  /** setrlimit(RLIMIT_NOFILE) soft limit. */
  setrlimitNofile(soft: number): this { return this.add({ kind: 'setrlimit', resource: 7, soft }); }
  expectBlocked(proc: string): this { return this.add({ kind: 'expect_blocked', proc }); }
  await(proc: string, timeoutMs: number): this { return this.add({ kind: 'await', proc, timeoutMs }); }
  /** Any other op, as an AST value. */
  op(op: Op): this { return this.add(op); }
}

function sigNum(s: string | number): number {
  const n = typeof s === 'number' ? s : lookupSignal(s);
  if (n === undefined) throw new Error(`unknown signal ${s}`);
  return n;
}

function fcntlArg(cmd: string | number, arg: string | number | undefined): FcntlArg {
  const name = typeof cmd === 'string' ? cmd : [...FCNTL_CMDS].find(([, v]) => v === cmd)?.[0];
  if (arg === undefined) return { kind: 'none' };
  if (name === 'F_SETOWN') {
    if (arg === 0 || arg === '0') return { kind: 'owner', target: null, pgrp: false };
    const s = String(arg);
    return { kind: 'owner', target: { proc: s.replace(/^-/, '') }, pgrp: s.startsWith('-') };
  }
  if (name === 'F_SETOWN_EX') {
    const [t = '', who = '0'] = String(arg).split(/\s+/);
    const type = OWNER_TYPES.get(t) ?? Number(t);
    return { kind: 'ownerEx', type, target: who === '0' ? null : { proc: who } };
  }
  if (typeof arg === 'number') return { kind: 'int', value: arg };
  if (name === 'F_SETSIG') return { kind: 'int', value: sigNum(arg) };
  if (name === 'F_SETLEASE') return { kind: 'int', value: LEASE_TYPES.get(arg) ?? Number(arg) };
  if (name === 'F_SETFD') return { kind: 'int', value: parseFlags(arg, 'fd flags', [FD_FLAGS]) };
  return { kind: 'int', value: parseFlags(arg, 'flags', [OPEN_FLAGS]) };
}
