// The state a generator keeps while it builds one scenario: the steps so far,
// the names each process may use (the same bookkeeping as
// src/scenario/validate.ts, so every scenario is valid by construction), and
// the model run alongside (model-tracker.ts) so that every step added is one
// the model covers. A step the model does not cover is not added.

import type { FdRef, Op, Scenario, Step } from '../scenario/ast.js';
import type { Profile } from '../model/profile.js';
import type { GuestFacts } from '../check/setup.js';
import type { ModelOptions } from '../model/options.js';
import { ModelTracker } from './model-tracker.js';

/** What a name refers to, as far as the generator knows (for picking operands). */
export type NameKind = 'file' | 'group' | 'event' | 'dir';

export interface NameInfo {
  kind: NameKind;
  /** Open as far as the validator is concerned (a `close NAME` makes it stale-only). */
  open: boolean;
  /** The path it was opened by (files), for moves that want "a file that is X". */
  path?: string;
  /** Its binding step failed: the runner never bound it, so it is not used at all. */
  failed?: boolean;
}

interface GenProc {
  name: string;
  exited: boolean;
  names: Map<string, NameInfo>;
  maps: Map<string, { length: number }>;
}

/** The fd names a step uses as operands. */
function operandNames(op: Op): string[] {
  const refs: FdRef[] = [];
  switch (op.kind) {
    case 'open': if (op.dir.kind === 'fd') refs.push(op.dir.fd); break;
    case 'dup2': case 'dup3': refs.push(op.fd, op.newfd); break;
    case 'statx': if (op.target.kind === 'fd') refs.push(op.target.fd); break;
    case 'mmap': if (op.fd) refs.push(op.fd); break;
    case 'fanotify_mark': refs.push(op.fd); if (op.dir.kind === 'fd') refs.push(op.dir.fd); break;
    case 'fanotify_response': refs.push(op.fd, op.eventFd); break;
    default: if ('fd' in op && op.fd && typeof op.fd === 'object' && 'kind' in op.fd) refs.push(op.fd as FdRef);
  }
  return refs.flatMap((r) => (r.kind === 'name' ? [r.name] : []));
}

/** The names a step binds (when it succeeds). */
function resultNames(op: Op): string[] {
  switch (op.kind) {
    case 'open': case 'dup': case 'dup2': case 'dup3': case 'fanotify_init': return [op.result];
    case 'fcntl': return op.result ? [op.result] : [];
    case 'fanotify_read': return op.results;
    default: return [];
  }
}

export const PROC_NAMES = ['A', 'B', 'C', 'D'] as const;

export interface GenEnv {
  profile: Profile;
  guest: GuestFacts;
  model?: Partial<ModelOptions>;
}

export class GenContext {
  readonly sc: Scenario;
  readonly model: ModelTracker;
  private readonly procs = new Map<string, GenProc>();
  private counter = 0;
  /** Processes that had a step reported blocked and have not been awaited since. */
  private readonly needsAwait = new Set<string>();

  constructor(name: string, sysctls: { name: string; value: number }[], env: GenEnv) {
    this.sc = {
      name, description: '', file: '', requires: [],
      setup: { pmem: 'any', fs: 'any', dax: 'any', sysctls: sysctls.map((s) => ({ ...s, line: 0 })) },
      processes: [{ name: 'A', line: 0 }], steps: [],
    };
    this.model = new ModelTracker(this.sc, env.profile, env.guest, env.model);
    this.procs.set('A', { name: 'A', exited: false, names: new Map(), maps: new Map() });
  }

  fresh(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  /** Processes that may run a step now: alive in every model state and not blocked in any. */
  actors(): string[] {
    return [...this.procs.values()].filter((p) => !p.exited && this.model.alive(p.name) && !this.model.mayBeBlocked(p.name)).map((p) => p.name);
  }

  /** Every process name so far (for owners). */
  allProcs(): string[] {
    return [...this.procs.keys()];
  }

  nextProcName(): string | null {
    return PROC_NAMES.find((n) => !this.procs.has(n)) ?? null;
  }

  /** Processes possibly blocked now. */
  blockedProcs(): string[] {
    return [...this.procs.values()].filter((p) => !p.exited && this.model.mayBeBlocked(p.name)).map((p) => p.name);
  }

  names(proc: string, pred: (i: NameInfo, name: string) => boolean = () => true): string[] {
    const p = this.procs.get(proc);
    if (!p) return [];
    return [...p.names].filter(([n, i]) => pred(i, n)).map(([n]) => n);
  }

  info(proc: string, name: string): NameInfo | undefined {
    return this.procs.get(proc)?.names.get(name);
  }

  maps(proc: string): [string, { length: number }][] {
    return [...(this.procs.get(proc)?.maps ?? [])];
  }

  /**
   * Adds the step if the model covers it; first an `await` by another process
   * when `proc` had a blocked step (the runner's rule: await before reuse).
   */
  add(proc: string, op: Op): boolean {
    if (this.needsAwait.has(proc)) {
      const by = this.actors().find((x) => x !== proc);
      if (!by) return false;
      if (!this.push(by, { kind: 'await', proc, timeoutMs: 2000 })) return false;
      this.needsAwait.delete(proc);
    }
    return this.push(proc, op);
  }

  /** Adds one step as is (no implicit await); false and no change when the model refuses it. */
  push(proc: string, op: Op): boolean {
    // A name the runner never bound (its step failed) cannot be an operand.
    if (operandNames(op).some((n) => this.procs.get(proc)?.names.get(n)?.failed)) return false;
    const step: Step = { id: this.sc.steps.length, line: 0, proc, op };
    if (!this.model.tryStep(step)) return false;
    this.sc.steps.push(step);
    this.book(proc, op);
    for (const name of resultNames(op)) {
      const i = this.procs.get(proc)?.names.get(name);
      if (i && !this.model.bound(proc, name)) {
        i.failed = true;
        i.open = false;
      }
    }
    for (const b of this.blockedProcs()) this.needsAwait.add(b);
    return true;
  }

  /** The validator's view of names, maps and processes after `op` (mirrors validate.ts). */
  private book(proc: string, op: Op): void {
    const p = this.procs.get(proc)!;
    const bind = (name: string, kind: NameKind, path?: string): void => {
      p.names.set(name, { kind, open: true, ...(path === undefined ? {} : { path }) });
    };
    const kindOf = (r: { kind: string; name?: string }): NameKind => (r.kind === 'name' ? p.names.get(r.name!)?.kind ?? 'file' : 'file');
    const pathOf = (r: { kind: string; name?: string }): string | undefined => (r.kind === 'name' ? p.names.get(r.name!)?.path : undefined);
    switch (op.kind) {
      case 'open': bind(op.result, op.flags & 0o200000 ? 'dir' : 'file', op.path); return;
      case 'close': if (op.fd.kind === 'name') p.names.set(op.fd.name, { ...p.names.get(op.fd.name)!, open: false }); return;
      case 'dup': bind(op.result, kindOf(op.fd), pathOf(op.fd)); return;
      case 'dup2': case 'dup3': {
        const k = kindOf(op.fd);
        const path = pathOf(op.fd);
        if (op.newfd.kind === 'name') p.names.set(op.newfd.name, { kind: k, open: true, ...(path === undefined ? {} : { path }) });
        bind(op.result, k, path);
        return;
      }
      case 'fork':
        this.procs.set(op.child, { name: op.child, exited: false, names: new Map([...p.names].map(([k, v]) => [k, { ...v }])), maps: new Map(p.maps) });
        this.sc.processes.push({ name: op.child, line: 0, parent: proc });
        return;
      case 'execve': p.maps.clear(); return;
      case 'exit': p.exited = true; return;
      case 'fcntl': if (op.result) bind(op.result, kindOf(op.fd), pathOf(op.fd)); return;
      case 'mmap': p.maps.set(op.map, { length: op.length }); return;
      case 'munmap': if (op.length === null) p.maps.delete(op.map); return;
      case 'fanotify_init': bind(op.result, 'group'); return;
      case 'fanotify_read': for (const r of op.results) bind(r, 'event'); return;
      default: return;
    }
  }

  /** Everything needed to take back steps added after it (see rollback). */
  checkpoint(): unknown {
    const procs = [...this.procs.values()].map((p) => ({ ...p, names: new Map([...p.names].map(([k, v]) => [k, { ...v }])), maps: new Map(p.maps) }));
    return { steps: this.sc.steps.length, processes: this.sc.processes.length, model: this.model.save(), procs, counter: this.counter, needsAwait: [...this.needsAwait] };
  }

  rollback(cp: unknown): void {
    const c = cp as { steps: number; processes: number; model: ReturnType<ModelTracker['save']>; procs: GenProc[]; counter: number; needsAwait: string[] };
    this.sc.steps.length = c.steps;
    this.sc.processes.length = c.processes;
    this.model.restore(c.model);
    this.procs.clear();
    for (const p of c.procs) this.procs.set(p.name, p);
    this.counter = c.counter;
    this.needsAwait.clear();
    for (const n of c.needsAwait) this.needsAwait.add(n);
  }

  /** The finished scenario (processes in fork order, as validateScenario leaves them). */
  scenario(): Scenario {
    return this.sc;
  }
}
