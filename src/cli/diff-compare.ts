// Comparing two kernels' traces of one scenario (vfslab diff): each
// observation becomes a text that keeps what the kernel decided and drops
// what differs from run to run by design: times, pids (named by their
// scenario process instead), mmap addresses, inode numbers, devices and
// fanotify file handles, and the runner's timing-only fields (when the
// coordinator read a signal, settle and watchdog times, batch indexes and
// the scenario directory, which is numbered by batch position).
import type { Observation, StepDone } from '../trace/types.js';

/** One step's observed outcome (done/blocked/skipped) and what came with it (signals, exits). */
export interface StepView {
  outcomes: string[];
  events: string[];
}

export interface TraceView {
  /** By step id; step -1 collects what came before the first step. */
  steps: Map<number, StepView>;
  /** Signals and exits of the whole trace, sorted: compared as a multiset (their step is timing). */
  events: string[];
  infra: string[];
}

function errText(errno: number, errname: string | null): string {
  return errno ? `errno=${errname ?? errno}` : 'errno=0';
}

function retText(o: StepDone): string {
  // fork, F_GETOWN: the pid is named by its process (a pgrp is -pid).
  if (o.retProc) return `ret=${o.ret < 0 ? '-' : ''}pid(${o.retProc})`;
  return `ret=${o.ret}`;
}

/** Paths under the scenario's directory (it is numbered by batch position) as ${dir}. */
function rel(p: string, dir: string): string {
  return dir && p.startsWith(dir) ? '${dir}' + p.slice(dir.length) : p;
}

export function doneText(o: StepDone, dir = ''): string {
  const parts = [`${o.late ? 'completed (after blocked)' : 'done'} ${retText(o)} ${errText(o.errno, o.errname)}`];
  if (o.name !== undefined) parts.push(`name=${o.name}`);
  if (o.data !== undefined) parts.push(`data=${o.data}`);
  if (o.owner) parts.push(`owner{type=${o.owner.type} ${o.owner.proc ? `pid(${o.owner.proc})` : o.owner.pid === 0 ? 'pid=0' : 'pid=?'}}`);
  if (o.statx) parts.push(`statx{mode=0${o.statx.mode.toString(8)} nlink=${o.statx.nlink} size=${o.statx.size} attributes=0x${o.statx.attributes.toString(16)} mask=0x${o.statx.attributesMask.toString(16)}}`);
  if (o.link !== undefined) parts.push(`link="${rel(o.link, dir)}"`);
  if (o.events) {
    parts.push(`events[${o.events.map((e) => `{mask=0x${e.mask.toString(16)} fd=${e.fd} pid=${e.pidProc ?? (e.pid === 0 ? 0 : '?')} path=${e.path === null ? '-' : rel(e.path, dir)} flags=${e.flags ?? '-'} fd_flags=${e.fdFlags ?? '-'} info=${e.info.map((i) => `${i.type}${i.name !== undefined ? `:"${i.name}"` : ''}`).join(',')}}`).join(' ')}]`);
  }
  if (o.outcome) parts.push(o.outcome === 'ok' ? 'access ok' : `${o.outcome}${o.fault ? ` si_code=${o.fault.code} offset=${o.fault.offset}` : ''}`);
  if (o.fds) parts.push(`fds=${JSON.stringify(o.fds)}`);
  if (o.blockedSeq !== undefined) parts.push(`blockedSeq=${o.blockedSeq}`);
  return parts.join(' ');
}

/** The comparable text of one observation; null for those that carry nothing to compare. */
export function observationText(o: Observation, dir = ''): string | null {
  switch (o.kind) {
    case 'done':
      return doneText(o, dir);
    case 'blocked':
      return 'blocked';
    case 'skipped':
      return `skipped (${o.reason})`;
    case 'signal':
      return `${o.proc} caught ${o.signame} si_code=${o.code} si_fd=${o.fd} si_band=0x${o.band.toString(16)}${o.sigPidProc ? ` from ${o.sigPidProc}` : ''}`;
    case 'exit':
      return `${o.proc} ${o.signo !== null ? `killed by signal ${o.signo}` : `exited ${o.status}`}${o.teardown ? ' (teardown)' : ''}`;
    case 'infra':
      return `infra ${o.error}: ${o.message}`;
    default:
      return null; // scenario-start/end, process, summary: bookkeeping
  }
}

export function traceView(obs: readonly Observation[]): TraceView {
  const steps = new Map<number, StepView>();
  const at = (seq: number): StepView => {
    let v = steps.get(seq);
    if (!v) steps.set(seq, (v = { outcomes: [], events: [] }));
    return v;
  };
  const events: string[] = [];
  const infra: string[] = [];
  const dir = obs.find((o) => o.kind === 'scenario-start')?.dir ?? '';
  for (const o of obs) {
    const text = observationText(o, dir);
    if (text === null) continue;
    if (o.kind === 'done' || o.kind === 'blocked' || o.kind === 'skipped') at(o.seq).outcomes.push(text);
    else if (o.kind === 'signal' || o.kind === 'exit') {
      at(o.atStep).events.push(text);
      events.push(text);
    } else if (o.kind === 'infra') infra.push(text);
  }
  return { steps, events: events.sort(), infra };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether two traces of one scenario differ: some step's outcome, or the
 * signals and exits as a whole (not the step they came at, which is timing).
 */
export function tracesDiffer(a: readonly Observation[], b: readonly Observation[]): boolean {
  const va = traceView(a);
  const vb = traceView(b);
  if (!same(va.events, vb.events) || !same(va.infra, vb.infra)) return true;
  const seqs = new Set([...va.steps.keys(), ...vb.steps.keys()]);
  for (const s of seqs) if (!same(va.steps.get(s)?.outcomes ?? [], vb.steps.get(s)?.outcomes ?? [])) return true;
  return false;
}

/** One step where the sides differ: what each saw (outcomes, then signals and exits at it). */
export interface DiffRow {
  seq: number;
  a: string[];
  b: string[];
}

/** The steps (in order) whose outcomes or attached signals/exits differ, plus infra lines as seq -2. */
export function diffRows(a: readonly Observation[], b: readonly Observation[]): DiffRow[] {
  const va = traceView(a);
  const vb = traceView(b);
  const seqs = [...new Set([...va.steps.keys(), ...vb.steps.keys()])].sort((x, y) => x - y);
  const rows: DiffRow[] = [];
  for (const seq of seqs) {
    const sa = va.steps.get(seq) ?? { outcomes: [], events: [] };
    const sb = vb.steps.get(seq) ?? { outcomes: [], events: [] };
    // Signals and exits at one step in any order (reaping order is timing).
    const la = [...sa.outcomes, ...[...sa.events].sort()];
    const lb = [...sb.outcomes, ...[...sb.events].sort()];
    if (!same(la, lb)) rows.push({ seq, a: la, b: lb });
  }
  if (!same(va.infra, vb.infra)) rows.push({ seq: -2, a: va.infra, b: vb.infra });
  return rows;
}

/** What a run gives per scenario (ScenarioResult of run-scenarios.ts). */
export interface SideResult {
  scenario: { name: string };
  verdict: { kind: string };
  observations: readonly Observation[];
}

export interface RunComparison {
  /** Indexes of scenarios run on both kernels whose traces differ. */
  differing: number[];
  /** Not applicable on one side (a profile feature, a setup): run on the other only. */
  onlyA: number[];
  onlyB: number[];
  /** Indexes where either side diverged from the model (differing or not). */
  diverged: number[];
  /** Either side had an infrastructure failure. */
  infra: number[];
}

/** Pairs two runs of the same scenario list (same order). */
export function compareRuns(a: readonly SideResult[], b: readonly SideResult[]): RunComparison {
  const c: RunComparison = { differing: [], onlyA: [], onlyB: [], diverged: [], infra: [] };
  a.forEach((ra, i) => {
    const rb = b[i]!;
    const na = ra.verdict.kind === 'not-applicable';
    const nb = rb.verdict.kind === 'not-applicable';
    if (ra.verdict.kind === 'diverged' || rb.verdict.kind === 'diverged') c.diverged.push(i);
    if (ra.verdict.kind === 'infra' || rb.verdict.kind === 'infra') c.infra.push(i);
    if (na && nb) return;
    if (nb) c.onlyA.push(i);
    else if (na) c.onlyB.push(i);
    else if (tracesDiffer(ra.observations, rb.observations)) c.differing.push(i);
  });
  return c;
}
