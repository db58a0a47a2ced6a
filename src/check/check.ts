// checkTrace: runs the model alongside one scenario's observations, keeping
// the set of model states that explain the trace so far (hidden steps such as
// lease-break expiry branch it). The trace passes if some state explains
// every observation; otherwise the first observation no state explains is
// the divergence.

import type { Scenario, Step } from '../scenario/ast.js';
import type { Observation, StepBlocked, StepDone, SignalSeen, ProcessExit } from '../trace/types.js';
import type { KState } from '../model/state.js';
import { procByName } from '../model/state.js';
import { applyStep, type ModelCtx } from '../model/step.js';
import { closeHidden } from '../model/hidden.js';
import { initialState } from '../model/init.js';
import { missingFeatures, type Profile } from '../model/profile.js';
import { withOptions, type ModelOptions } from '../model/options.js';
import { Unmodelled } from '../model/unmodelled.js';
import { describeResult, describeState, dedupStates } from '../model/describe.js';
import { errnoName, signalName } from '../scenario/flags.js';
import { stepText } from '../scenario/print.js';
import { mismatch, type TraceEnv } from './match.js';
import type { Divergence, Verdict } from './verdict.js';
import { setupMismatch, type GuestFacts } from './setup.js';

export interface CheckOptions {
  model?: Partial<ModelOptions>;
  /** The guest the trace came from; a setup the scenario excludes gives not-applicable. */
  guest?: GuestFacts;
}

class Diverged extends Error {
  constructor(readonly d: Divergence) {
    super('diverged');
  }
}

const stepRef = (st: Step) => ({ id: st.id, line: st.line, text: stepText(st) });

const dedup = dedupStates;

function seenDone(o: StepDone): string {
  const extra: string[] = [];
  if (o.data !== undefined) extra.push(`data=${o.data}`);
  if (o.link !== undefined) extra.push(`link="${o.link}"`);
  if (o.retProc) extra.push(`(pid of ${o.retProc})`);
  if (o.fds) extra.push(`fds=${JSON.stringify(o.fds)}`);
  if (o.statx) extra.push(`statx{mode=0${o.statx.mode.toString(8)} nlink=${o.statx.nlink} size=${o.statx.size}}`);
  if (o.blockedSeq !== undefined) extra.push(`blockedSeq=${o.blockedSeq}`);
  return `${o.late ? 'completed (after blocked)' : 'done'} ret=${o.ret} errno=${o.errno ? errnoName(o.errno) : 0}${extra.length ? ' ' + extra.join(' ') : ''}`;
}

const seenSignal = (o: SignalSeen): string => `${o.proc} caught ${o.signame || signalName(o.signo)} si_code=${o.code} si_fd=${o.fd} si_band=0x${o.band.toString(16)}`;
const seenExit = (o: ProcessExit): string => `${o.proc} ${o.signo !== null ? `killed by ${signalName(o.signo)}` : `exited with status ${o.status}`}${o.teardown ? ' (runner teardown)' : ''}`;

export function checkTrace(sc: Scenario, profile: Profile, observations: readonly Observation[], options: CheckOptions = {}): Verdict {
  const missing = missingFeatures(profile, sc.requires);
  if (missing.length) return { kind: 'not-applicable', scenario: sc.name, reason: `kernel profile ${profile.name} lacks ${missing.join(', ')}` };
  if (options.guest) {
    const m = setupMismatch(sc.setup, options.guest);
    if (m) return { kind: 'not-applicable', scenario: sc.name, reason: m };
  }
  const opts = withOptions(options.model);
  const ctx: ModelCtx = { profile, opts };
  const env: TraceEnv = { pids: new Map(), dir: '' };
  let frontier: KState[] = [initialState(sc, options.guest, profile)];
  let next = 0;
  let ended = false;
  const closure = (states: KState[]): KState[] => dedup(states.flatMap((s) => closeHidden(s, opts)));

  const diverge = (index: number, step: Step | null, seen: string, allowed: string[], rules: string[], by: Divergence['by'] = 'model'): never => {
    throw new Diverged({ index, step: step ? stepRef(step) : null, seen, allowed: [...new Set(allowed)], rules: [...new Set(rules)], state: frontier[0] ? describeState(frontier[0]) : [], by });
  };

  let current: Step | null = null;
  /** Index of a step applied ahead of its own report (see retry), else -1. */
  let started = -1;
  let soft = false;
  const startStep = (step: Step): KState[] => {
    current = step;
    return closure(closure(frontier).flatMap((s) => applyStep(s, step, ctx)));
  };
  /**
   * The coordinator may see a signal, a late completion or an exit caused by
   * the step it has just started before that step's own report. So when an
   * observation matches no state, the next step is applied ahead and the
   * observation tried once more.
   */
  /**
   * A process killed by a signal during its own step (e.g. the SIGUSR1 its own
   * open sends it through F_SETSIG) never reports that step; its exit
   * observation started the step ahead (retry). When the model agrees the
   * process is dead in every state, that step is accounted for.
   */
  const diedInStep = (): void => {
    const st = sc.steps[next];
    // An exit step is always reported (done before the exit observation).
    if (!st || started !== next || st.op.kind === 'exit') return;
    const states = closure(frontier);
    if (states.length && states.every((s) => procByName(s, st.proc)?.alive === false)) {
      frontier = states;
      next++;
    }
  };
  const retry = (match: () => KState[]): KState[] => {
    if (started === next || next >= sc.steps.length) return match();
    soft = true;
    let out: KState[];
    try {
      out = match();
    } finally {
      soft = false;
    }
    if (out.length) return out;
    frontier = startStep(sc.steps[next]!);
    started = next;
    return match();
  };

  try {
    for (let i = 0; i < observations.length; i++) {
      const o = observations[i]!;
      switch (o.kind) {
        case 'scenario-start':
          env.dir = o.dir;
          opts.settleMs = o.settleMs;
          break;
        case 'process':
          env.pids.set(o.proc, { pid: o.pid, pgid: o.pgid });
          break;
        case 'infra':
          return { kind: 'infra', scenario: sc.name, reason: `${o.error}: ${o.message}` };
        case 'summary':
          break;
        case 'scenario-end':
          if (o.status === 'infra') return { kind: 'infra', scenario: sc.name, reason: 'the runner ended the scenario with an infrastructure error' };
          ended = true;
          break;
        case 'done': case 'blocked': {
          const step = sc.steps[o.seq];
          if (!step) return { kind: 'infra', scenario: sc.name, reason: `observation for step ${o.seq}, which the scenario does not have` };
          if (o.kind === 'done' && o.late) {
            frontier = retry(() => matchLate(closure(frontier), o, step, i, soft));
            checkPinned(step, o, i);
            break;
          }
          // Every step is reported (done, blocked or skipped) in step order; late completions aside.
          if (o.seq > next) diedInStep();
          if (o.seq > next) return { kind: 'infra', scenario: sc.name, reason: `runner reported step ${o.seq} before step ${next}` };
          if (o.seq !== next) return { kind: 'infra', scenario: sc.name, reason: `step ${o.seq} reported twice or out of order` };
          const cands = started === next ? closure(frontier) : startStep(step);
          next++;
          frontier = o.kind === 'done' ? matchDone(cands, o, step, i) : matchBlocked(cands, o, step, i);
          checkPinned(step, o, i);
          break;
        }
        case 'skipped': {
          // The runner skips steps of a process that no longer exists; the model must agree it is gone.
          const step = sc.steps[o.seq];
          if (!step) return { kind: 'infra', scenario: sc.name, reason: `observation for step ${o.seq}, which the scenario does not have` };
          if (o.seq > next) diedInStep();
          if (o.seq !== next) return { kind: 'infra', scenario: sc.name, reason: o.seq > next ? `runner reported step ${o.seq} before step ${next}` : `step ${o.seq} reported twice or out of order` };
          next++;
          const cands = closure(frontier);
          const gone = cands.filter((s) => procByName(s, step.proc)?.alive === false);
          if (gone.length === 0) diverge(i, step, `skipped: the runner found ${step.proc} gone`, cands.map((s) => outcomeOf(s, step.proc, step.id)).map((x) => `${step.proc} still exists (${x})`), cands.flatMap((s) => s.why));
          frontier = gone;
          break;
        }
        case 'signal':
          frontier = retry(() => matchSignal(closure(frontier), o, i, soft));
          break;
        case 'exit':
          frontier = retry(() => matchExit(closure(frontier), o, i, soft));
          break;
      }
    }
    if (!ended) return { kind: 'infra', scenario: sc.name, reason: 'the trace ends without scenario-end (runner or host stopped early)' };
    diedInStep();
    if (next < sc.steps.length) return { kind: 'infra', scenario: sc.name, reason: `the runner reported ${next} of ${sc.steps.length} steps` };
    frontier = closure(frontier);
    const finished = frontier.filter((s) => s.inflight.length === 0 && s.procs.every((p) => p.alive || p.exitReported));
    if (finished.length === 0) {
      const owed = frontier.flatMap((s) => [
        ...s.inflight.map((x) => `${x.proc} catches ${signalName(x.signo)} si_code=${x.code} si_fd=${x.fd}`),
        ...s.procs.filter((p) => !p.alive && !p.exitReported).map((p) => `${p.name} ends (${p.end?.signo ? `killed by ${signalName(p.end.signo)}` : `status ${p.end?.status}`})`),
      ]);
      diverge(observations.length, null, 'end of trace', owed, frontier.flatMap((s) => s.why));
    }
    return { kind: 'pass', scenario: sc.name, observations: observations.length, states: finished.length };
  } catch (e) {
    if (e instanceof Diverged) return { kind: 'diverged', scenario: sc.name, divergence: e.d };
    if (e instanceof Unmodelled) {
      const at = current ?? sc.steps[0]!;
      return { kind: 'not-modelled', scenario: sc.name, step: stepRef(at), reason: e.what };
    }
    throw e;
  }

  function outcomeOf(s: KState, proc: string, seq: number): string {
    const p = procByName(s, proc);
    if (!p) return `${proc} does not exist`;
    if (!p.alive) return `${proc} is dead`;
    const st = p.status;
    if (st.k === 'blocked' && st.step === seq) return 'blocked';
    if (st.k === 'completed' && st.step === seq) return `${st.reported ? 'completed (after blocked)' : 'done'} ${describeResult(st.result)}`;
    return `no report for step ${seq} yet`;
  }

  function matchDone(cands: KState[], o: StepDone, step: Step, i: number): KState[] {
    const out: KState[] = [];
    const reasons: string[] = [];
    for (const s of cands) {
      const p = procByName(s, step.proc);
      if (!p || p.status.k !== 'completed' || p.status.step !== step.id || p.status.reported) continue;
      const why = mismatch(p.status.result, o, env);
      if (why === null) {
        p.status = { k: 'idle' };
        out.push(s);
      } else reasons.push(why);
    }
    if (out.length === 0) diverge(i, step, seenDone(o) + (reasons[0] ? ` (${reasons[0]})` : ''), cands.map((s) => outcomeOf(s, step.proc, step.id)), cands.flatMap((s) => s.why));
    return out;
  }

  function matchBlocked(cands: KState[], o: StepBlocked, step: Step, i: number): KState[] {
    const out: KState[] = [];
    for (const s of cands) {
      const p = procByName(s, step.proc);
      if (!p) continue;
      const st = p.status;
      // A completed-but-slow step may also be reported blocked; its late report must then match.
      if ((st.k === 'blocked' || st.k === 'completed') && st.step === step.id && !st.reported) {
        p.status = { ...st, reported: true };
        s.clock += opts.settleMs;
        out.push(s);
      }
    }
    if (out.length === 0) diverge(i, step, 'blocked', cands.map((s) => outcomeOf(s, step.proc, step.id)), cands.flatMap((s) => s.why));
    return out;
  }

  function matchLate(cands: KState[], o: StepDone, step: Step, i: number, quiet: boolean): KState[] {
    const out: KState[] = [];
    const reasons: string[] = [];
    for (const s of cands) {
      const p = procByName(s, step.proc);
      if (!p || p.status.k !== 'completed' || p.status.step !== step.id || !p.status.reported) continue;
      const why = mismatch(p.status.result, o, env);
      if (why === null) {
        p.status = { k: 'idle' };
        out.push(s);
      } else reasons.push(why);
    }
    if (out.length === 0 && !quiet) diverge(i, step, seenDone(o) + (reasons[0] ? ` (${reasons[0]})` : ''), cands.map((s) => outcomeOf(s, step.proc, step.id)), cands.flatMap((s) => s.why));
    return out;
  }

  function matchSignal(cands: KState[], o: SignalSeen, i: number, quiet: boolean): KState[] {
    const out: KState[] = [];
    for (const s of cands) {
      const k = s.inflight.findIndex((x) => x.proc === o.proc && x.signo === o.signo && x.code === o.code && x.fd === o.fd && x.band === o.band);
      if (k < 0) continue;
      s.inflight.splice(k, 1);
      out.push(s);
    }
    if (out.length === 0 && !quiet) {
      const due = cands.flatMap((s) => s.inflight.map((x) => `${x.proc} catches ${signalName(x.signo)} si_code=${x.code} si_fd=${x.fd} si_band=0x${x.band.toString(16)}`));
      diverge(i, o.inStep !== null ? sc.steps[o.inStep] ?? null : null, seenSignal(o), due.length ? due : ['no signal is due to any process'], cands.flatMap((s) => s.why));
    }
    return out;
  }

  function matchExit(cands: KState[], o: ProcessExit, i: number, quiet: boolean): KState[] {
    const out: KState[] = [];
    for (const s of cands) {
      const p = procByName(s, o.proc);
      if (!p) continue;
      if (o.teardown) {
        if (p.alive) {
          p.alive = false;
          p.exitReported = true;
          p.end = { status: o.status, signo: o.signo };
          out.push(s);
        } else if (!p.exitReported && p.end && p.end.status === o.status && p.end.signo === o.signo) {
          // A slow exit step at the end (reported blocked) is reaped during teardown:
          // the runner flags it teardown, but it is the exit the model predicts.
          p.exitReported = true;
          out.push(s);
        }
        continue;
      }
      if (p.alive || p.exitReported || !p.end) continue;
      if (p.end.status === o.status && p.end.signo === o.signo) {
        p.exitReported = true;
        out.push(s);
      }
    }
    if (out.length === 0 && !quiet) {
      const allowed = cands.map((s) => {
        const p = procByName(s, o.proc);
        if (!p) return `${o.proc} does not exist`;
        if (p.alive) return `${o.proc} is still alive`;
        return `${o.proc} ${p.end?.signo ? `killed by ${signalName(p.end.signo)}` : `exits with status ${p.end?.status}`}${p.exitReported ? ' (already reported)' : ''}`;
      });
      diverge(i, null, seenExit(o), allowed, cands.flatMap((s) => s.why));
    }
    return out;
  }

  function checkPinned(step: Step, o: StepDone | StepBlocked, i: number): void {
    const e = step.expect;
    if (!e) return;
    const pin = `line ${step.line}: expect${e.ret !== undefined ? ` ret=${e.ret}` : ''}${e.errno !== undefined ? ` errno=${e.errno ? errnoName(e.errno) : 0}` : ''}${e.blocked ? ' blocked' : ''}`;
    if (o.kind === 'blocked') return; // ret/errno are checked on the late completion
    const bad = (e.blocked === true && !o.late) || (e.ret !== undefined && o.ret !== e.ret) || (e.errno !== undefined && o.errno !== e.errno);
    if (bad) diverge(i, step, seenDone(o), [pin], ['hand-pinned expectation in the scenario file'], 'expectation');
  }
}
