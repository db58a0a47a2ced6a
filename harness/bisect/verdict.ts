// What one bisect step answers: good, bad or "cannot test", from the runs it
// made, and the exit code `git bisect run` reads. Pure: no build, no VM.
import { InputError } from '../errors.js';

export type Outcome = 'good' | 'bad' | 'skip';

/**
 * `git bisect run` reads 0 good, 1..124 and 126..127 bad, 125 skip, and aborts
 * the bisection on anything else. Only 0, 1 and 125 mean a verdict; bad input
 * and our own bugs must abort (128, 129), never pass for "bad" (which 2, the
 * usual vfslab bad-input code, would).
 */
export const STEP_EXIT = {
  good: 0,
  bad: 1,
  skip: 125,
  /** Bad input or missing set-up: aborts git bisect with the message. */
  input: 128,
  /** A vfslab bug: aborts git bisect. */
  internal: 129,
} as const;

export function outcomeExit(o: Outcome): number {
  return STEP_EXIT[o];
}

/** The result of one run of the predicate: the predicate held, failed, or the run could not test it. */
export type RunResult = { result: 'pass' | 'fail' | 'invalid'; why: string };

export type PredicateKind = 'verdict' | 'oops' | 'expect' | 'differs';

/** What one boot + scenarios produced, reduced to what the predicates look at. */
export interface RunSummary {
  /** Set when the guest never ran the scenarios (boot failure, QEMU died, SSH): why. */
  bootFailure?: string;
  /** Kernel oops/BUG/WARNING/panic findings on the console (boot console included). */
  oopses: string[];
  /** Scenarios the model explained, diverged from the model, could not run (runner/infra), did not apply. */
  passed: number;
  diverged: number;
  infra: number;
  notApplicable: number;
  /** --expect/--differs: scenarios whose trace equals the recorded one, and the ones that differ (with the first difference). */
  traceEqual?: number;
  traceDiffers?: string[];
}

/**
 * One run against the predicate. Rules (docs/bisect.md):
 * - a boot failure is `invalid` (unrelated to the predicate), except for the
 *   oops predicate when the console shows an oops;
 * - `oops`: any oops fails; otherwise the run passes once every scenario ran;
 * - `verdict`: a divergence fails; scenarios that could not run make the run invalid;
 * - `expect`: a trace that differs from the recorded one fails; `differs`: a trace
 *   equal to the recorded (bad) one fails;
 * - a run that would pass but oopsed is invalid, not good: the kernel is broken
 *   in a way this predicate does not judge (bisect that with --predicate oops).
 */
export function classifyRun(pred: PredicateKind, s: RunSummary): RunResult {
  const oops = s.oopses.length ? `kernel oops: ${s.oopses[0]}` : '';
  if (pred === 'oops') {
    if (s.oopses.length) return { result: 'fail', why: oops };
    if (s.bootFailure) return { result: 'invalid', why: `boot failed without an oops: ${s.bootFailure}` };
    if (s.infra) return { result: 'invalid', why: `${s.infra} scenario(s) could not run` };
    return { result: 'pass', why: 'no oops on the console' };
  }
  if (s.bootFailure) return { result: 'invalid', why: `boot failed: ${s.bootFailure}` };
  let failed: string | undefined;
  if (pred === 'verdict') {
    if (s.diverged) failed = `${s.diverged} scenario(s) diverged from the model`;
  } else {
    const differs = s.traceDiffers ?? [];
    const equal = s.traceEqual ?? 0;
    if (pred === 'expect' && differs.length) failed = `trace differs from the recorded one: ${differs[0]}`;
    if (pred === 'differs' && equal > 0 && differs.length === 0 && !s.infra) failed = 'trace equals the recorded (bad) trace';
  }
  if (failed) return { result: 'fail', why: failed };
  if (s.infra) return { result: 'invalid', why: `${s.infra} scenario(s) could not run (runner or guest error)` };
  if (s.passed + (s.traceEqual ?? 0) + (s.traceDiffers?.length ?? 0) === 0 && s.diverged === 0) {
    return { result: 'invalid', why: `no scenario applies to this kernel/guest (${s.notApplicable} not applicable)` };
  }
  if (s.oopses.length) return { result: 'invalid', why: `${oops} (not judged by --predicate ${pred}; use --predicate oops)` };
  const good = { verdict: 'the model explains every trace', expect: 'trace equals the recorded one', differs: 'trace differs from the recorded (bad) one' }[pred];
  return { result: 'pass', why: good };
}

/**
 * The flaky-predicate rule: with N runs, `bad` needs at least minBad failing
 * runs; `good` needs no failing run and at least minGood passing ones; anything
 * else is 125. A single run decides alone (minBad 1, minGood 1).
 */
export interface FlakyRule {
  runs: number;
  minBad: number;
  minGood: number;
}

export function makeRule(runs: number, minBad?: number, minGood?: number): FlakyRule {
  const bad = minBad ?? Math.min(runs, 2);
  const good = minGood ?? Math.ceil(runs / 2);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new InputError('--runs', `'${runs}' is out of range`, '1..100');
  if (!Number.isInteger(bad) || bad < 1 || bad > runs) throw new InputError('--min-bad', `'${bad}' must be between 1 and --runs (${runs})`);
  if (!Number.isInteger(good) || good < 1 || good > runs) throw new InputError('--min-good', `'${good}' must be between 1 and --runs (${runs})`);
  return { runs, minBad: bad, minGood: good };
}

export interface Counts {
  runs: number; // made so far
  pass: number;
  fail: number;
  invalid: number;
}

export function countRuns(results: readonly RunResult[]): Counts {
  const c: Counts = { runs: results.length, pass: 0, fail: 0, invalid: 0 };
  for (const r of results) c[r.result]++;
  return c;
}

export interface Decision {
  outcome: Outcome;
  counts: Counts;
  /** One line: the outcome, the counts and the rule, e.g. for the bisect log. */
  line: string;
}

export function ruleText(r: FlakyRule): string {
  return r.runs === 1 ? 'one run decides' : `bad needs >= ${r.minBad} failing of ${r.runs}; good needs 0 failing and >= ${r.minGood} passing`;
}

/**
 * The decision once it can no longer change, else undefined (run again).
 * Bad is final as soon as minBad runs failed; good only after all N runs
 * (a later run could still fail); skip as soon as neither can be reached.
 */
export function decide(results: readonly RunResult[], rule: FlakyRule): Decision | undefined {
  const c = countRuns(results);
  const left = rule.runs - c.runs;
  let outcome: Outcome | undefined;
  if (c.fail >= rule.minBad) outcome = 'bad';
  else if (left === 0) outcome = c.fail === 0 && c.pass >= rule.minGood ? 'good' : 'skip';
  else if (c.fail + left < rule.minBad && (c.fail > 0 || c.pass + left < rule.minGood)) outcome = 'skip';
  if (!outcome) return undefined;
  const line =
    `${outcome}: ${c.fail} failing, ${c.pass} passing, ${c.invalid} could not test, in ${c.runs} run(s)` +
    (c.runs < rule.runs ? ` of ${rule.runs} (decided early)` : '') +
    ` [${ruleText(rule)}]`;
  return { outcome, counts: c, line };
}
