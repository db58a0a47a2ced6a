// predict: the model's own account of a scenario without a trace, step by
// step: the outcomes it allows, and what may follow (signals, completions of
// blocked steps, process deaths). Printed by `vfslab model`.

import type { Scenario } from '../scenario/ast.js';
import type { KState } from '../model/state.js';
import { applyStep, type ModelCtx } from '../model/step.js';
import { closeHidden } from '../model/hidden.js';
import { initialState } from '../model/init.js';
import { missingFeatures, type Profile } from '../model/profile.js';
import { withOptions, type ModelOptions } from '../model/options.js';
import { Unmodelled } from '../model/unmodelled.js';
import { describeResult, dedupStates } from '../model/describe.js';
import { signalName } from '../scenario/flags.js';
import { stepText } from '../scenario/print.js';

export interface PredictedStep {
  id: number;
  line: number;
  text: string;
  proc: string;
  /** Distinct allowed outcomes of the step ("done ret=3 errno=0", "blocked"). */
  outcomes: string[];
  /** What may happen after it: caught signals, late completions, deaths. */
  then: string[];
  /** Kernel rules the model applied. */
  rules: string[];
}

export interface Prediction {
  scenario: string;
  profile: string;
  notApplicable: string | null;
  steps: PredictedStep[];
  /** Set when the model stopped at a step it does not model. */
  unmodelled: { id: number; line: number; text: string; reason: string } | null;
}

const dedup = dedupStates;

export function predict(sc: Scenario, profile: Profile, model?: Partial<ModelOptions>): Prediction {
  const pred: Prediction = { scenario: sc.name, profile: profile.name, notApplicable: null, steps: [], unmodelled: null };
  const missing = missingFeatures(profile, sc.requires);
  if (missing.length) {
    pred.notApplicable = `kernel profile ${profile.name} lacks ${missing.join(', ')}`;
    return pred;
  }
  const opts: ModelOptions = withOptions(model);
  const ctx: ModelCtx = { profile, opts };
  let frontier: KState[] = [initialState(sc, undefined, profile)];
  for (const step of sc.steps) {
    const ps: PredictedStep = { id: step.id, line: step.line, text: stepText(step), proc: step.proc, outcomes: [], then: [], rules: [] };
    pred.steps.push(ps);
    let after: KState[];
    const gone = (s: KState): boolean => s.procs.find((p) => p.name === step.proc)?.alive === false;
    try {
      after = frontier.flatMap((s) => closeHidden(s, opts)).flatMap((s) => {
        if (!gone(s)) return applyStep(s, step, ctx);
        ps.outcomes.push(`skipped: ${step.proc} no longer exists`);
        return [s];
      });
    } catch (e) {
      if (e instanceof Unmodelled) {
        pred.unmodelled = { id: step.id, line: step.line, text: ps.text, reason: e.what };
        return pred;
      }
      throw e;
    }
    const outcomes = new Set<string>();
    const then = new Set<string>();
    const rules = new Set<string>();
    const next: KState[] = [];
    for (const s0 of after) {
      for (const s of closeHidden(s0, opts)) {
        s.why.forEach((w) => rules.add(w));
        for (const p of s.procs) {
          const st = p.status;
          if (st.k === 'completed' && st.step === step.id && !st.reported) outcomes.add(`done ${describeResult(st.result)}`);
          else if (st.k === 'blocked' && st.step === step.id && !st.reported) {
            outcomes.add('blocked');
            p.status = { ...st, reported: true };
            s.clock += opts.settleMs;
            continue;
          } else if (st.k === 'completed' && st.reported) then.add(`${p.name}'s step ${st.step} completes: ${describeResult(st.result)}`);
          if (st.k === 'completed') p.status = { k: 'idle' };
          if (!p.alive && !p.exitReported) {
            then.add(`${p.name} ${p.end?.signo ? `is killed by ${signalName(p.end.signo)}` : `exits (status ${p.end?.status})`}`);
            p.exitReported = true;
          }
        }
        for (const x of s.inflight) then.add(`${x.proc} catches ${signalName(x.signo)} si_code=${x.code} si_fd=${x.fd} si_band=0x${x.band.toString(16)}`);
        s.inflight = [];
        s.why = [];
        next.push(s);
      }
    }
    ps.outcomes = [...new Set([...ps.outcomes, ...outcomes])];
    ps.then = [...then];
    ps.rules = [...rules];
    frontier = dedup(next);
  }
  return pred;
}
