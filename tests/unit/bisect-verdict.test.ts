// The bisect verdict logic without a VM: how one run is judged per predicate,
// the flaky-run rule, and the exit codes git bisect run reads.
import t from 'tap';
import { classifyRun, decide, makeRule, outcomeExit, STEP_EXIT, type RunResult, type RunSummary } from '../../harness/bisect/verdict.js';
import { InputError } from '../../harness/errors.js';

const run = (over: Partial<RunSummary> = {}): RunSummary => ({ oopses: [], passed: 1, diverged: 0, infra: 0, notApplicable: 0, ...over });
const R = (result: RunResult['result']): RunResult => ({ result, why: result });

t.test('exit codes: only 0, 1 and 125 are verdicts; the rest abort git bisect', async (t) => {
  t.equal(outcomeExit('good'), 0);
  t.equal(outcomeExit('bad'), 1);
  t.equal(outcomeExit('skip'), 125);
  for (const code of [STEP_EXIT.input, STEP_EXIT.internal]) {
    // git bisect run: 1..127 except 125 means bad; >= 128 aborts.
    t.ok(code >= 128 && code < 255, `${code} aborts git bisect instead of meaning bad`);
    t.not(code, 130, 'not the SIGINT code');
  }
  t.not(STEP_EXIT.input, 2, 'bad input is never 2 (git would read bad)');
});

t.test('verdict predicate', async (t) => {
  t.equal(classifyRun('verdict', run()).result, 'pass');
  t.equal(classifyRun('verdict', run({ diverged: 1 })).result, 'fail');
  t.equal(classifyRun('verdict', run({ infra: 1, passed: 0 })).result, 'invalid', 'the runner could not run it');
  t.equal(classifyRun('verdict', run({ passed: 0, notApplicable: 2 })).result, 'invalid', 'nothing applied');
  t.equal(classifyRun('verdict', run({ bootFailure: 'no VFSLAB-READY' })).result, 'invalid', 'boot failure is unrelated');
  const oopsed = classifyRun('verdict', run({ oopses: ['bug: BUG: x'] }));
  t.equal(oopsed.result, 'invalid', 'an oops never passes for good');
  t.match(oopsed.why, /--predicate oops/);
  t.equal(classifyRun('verdict', run({ diverged: 1, oopses: ['bug'] })).result, 'fail', 'a divergence stays bad');
});

t.test('oops predicate', async (t) => {
  t.equal(classifyRun('oops', run({ oopses: ['oops: Oops: 0000'] })).result, 'fail');
  t.equal(classifyRun('oops', run({ bootFailure: 'panic', oopses: ['panic: Kernel panic'] })).result, 'fail', 'an oops during boot is the predicate');
  t.equal(classifyRun('oops', run({ bootFailure: 'QEMU died' })).result, 'invalid');
  t.equal(classifyRun('oops', run({ diverged: 3, passed: 0 })).result, 'pass', 'divergences are not judged');
  t.equal(classifyRun('oops', run({ infra: 1 })).result, 'invalid');
});

t.test('expect and differs predicates', async (t) => {
  t.equal(classifyRun('expect', run({ traceEqual: 1, traceDiffers: [] })).result, 'pass');
  t.equal(classifyRun('expect', run({ traceEqual: 0, traceDiffers: ['x: observation 3'] })).result, 'fail');
  t.equal(classifyRun('expect', run({ traceEqual: 0, traceDiffers: [], infra: 1, passed: 0 })).result, 'invalid');
  t.equal(classifyRun('differs', run({ traceEqual: 1, traceDiffers: [] })).result, 'fail', 'equal to the recorded bad trace');
  t.equal(classifyRun('differs', run({ traceEqual: 0, traceDiffers: ['x'] })).result, 'pass');
  t.equal(classifyRun('expect', run({ traceEqual: 1, traceDiffers: [], bootFailure: 'ssh' })).result, 'invalid');
});

t.test('flaky rule: defaults', async (t) => {
  t.same(makeRule(1), { runs: 1, minBad: 1, minGood: 1 });
  t.same(makeRule(5), { runs: 5, minBad: 2, minGood: 3 });
  t.throws(() => makeRule(0), InputError);
  t.throws(() => makeRule(3, 4), { message: /--min-bad/ });
  t.throws(() => makeRule(3, 1, 5), { message: /--min-good/ });
});

t.test('flaky rule: one run decides alone', async (t) => {
  t.equal(decide([R('pass')], makeRule(1))?.outcome, 'good');
  t.equal(decide([R('fail')], makeRule(1))?.outcome, 'bad');
  t.equal(decide([R('invalid')], makeRule(1))?.outcome, 'skip');
});

t.test('flaky rule: bad needs several failing runs, good none and enough valid ones', async (t) => {
  const rule = makeRule(5); // minBad 2, minGood 3
  t.equal(decide([R('fail')], rule), undefined, 'one failure: keep running');
  const bad = decide([R('fail'), R('pass'), R('fail')], rule);
  t.equal(bad?.outcome, 'bad', 'two failures decide bad at once');
  t.match(bad?.line, /2 failing, 1 passing, 0 could not test, in 3 run\(s\) of 5 \(decided early\)/);
  t.equal(decide([R('pass'), R('pass'), R('pass'), R('pass')], rule), undefined, 'good waits for every run');
  t.equal(decide([R('pass'), R('pass'), R('pass'), R('pass'), R('pass')], rule)?.outcome, 'good');
  t.equal(decide([R('pass'), R('pass'), R('pass'), R('invalid'), R('invalid')], rule)?.outcome, 'good', 'enough valid runs');
  t.equal(decide([R('pass'), R('pass'), R('invalid'), R('invalid'), R('invalid')], rule)?.outcome, 'skip', 'too few valid runs');
  t.equal(decide([R('fail'), R('pass'), R('pass'), R('pass'), R('pass')], rule)?.outcome, 'skip', 'one failure among passes: flaky, undecided');
  t.equal(decide([R('fail'), R('invalid'), R('invalid'), R('invalid')], rule), undefined, 'bad still reachable with one run left');
  const early = decide([R('fail'), R('pass'), R('pass')], makeRule(4, 3));
  t.equal(early?.outcome, 'skip', 'stops once neither bad nor good can be reached');
  t.equal(early?.counts.runs, 3);
});
