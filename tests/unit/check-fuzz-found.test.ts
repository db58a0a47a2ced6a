// Rules the fuzzer found (docs/divergences.md), checked on real stock-guest
// traces and on traces altered where the rule decides:
// - legacy_queue: a standard signal sent twice in one step to the acting
//   process is caught once; to another process once or twice; pending in
//   the thread's and the process's queue, twice; real-time signals always twice;
// - a process killed by a signal inside its own step never reports that step,
//   and the checker accounts for it from the model, not as an infra error;
// - a slow exit step at the end is reaped during teardown: its teardown exit
//   observation is the exit the model predicts.
import t from 'tap';
import { load, profile } from './fixtures/recorded.js';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { checkTrace, formatVerdict } from '../../src/check/index.js';
import type { Observation } from '../../src/trace/types.js';


/** The trace with its (one) signal observation doubled. */
function twoSignals(obs: Observation[]): Observation[] {
  const out: Observation[] = [];
  for (const o of obs) {
    out.push({ ...o } as Observation);
    if (o.kind === 'signal') out.push({ ...o } as Observation);
  }
  return out;
}

t.test('own break of two leases: one SIGIO, never two', async (t) => {
  const { sc, obs } = load('lease/two-leases-one-sigio.scenario', 'lease-two-leases-one-sigio');
  t.equal(obs.filter((o) => o.kind === 'signal').length, 1, 'the guest saw one SIGIO');
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', 'the recorded trace passes');
  const v = checkTrace(sc, profile, twoSignals(obs));
  t.equal(v.kind, 'diverged', 'a second SIGIO diverges');
  t.match(formatVerdict(v), /SIGIO/);
});

t.test("another process's break of two leases: one or two SIGIOs", async (t) => {
  const { sc, obs } = load('lease/two-leases-other-holder.scenario', 'lease-two-leases-other-holder');
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', 'the recorded trace (one SIGIO) passes');
  t.equal(checkTrace(sc, profile, twoSignals(obs)).kind, 'pass', 'two SIGIOs pass too');
  const none = obs.filter((o) => o.kind !== 'signal');
  t.not(checkTrace(sc, profile, none).kind, 'pass', 'no SIGIO at all does not');
});

t.test('a process killed inside its own step: the unreported step is accounted for', async (t) => {
  const { sc, obs } = load('signal/own-break-kills-holder.scenario', 'signal-own-break-kills-holder');
  const last = sc.steps.length - 1;
  t.notOk(obs.some((o) => (o.kind === 'done' || o.kind === 'blocked') && o.seq === last), 'the guest never reported the open');
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', 'the recorded trace passes');
  // Without the death the same missing report is still an infrastructure error.
  const alive = obs.filter((o) => o.kind !== 'exit');
  t.equal(checkTrace(sc, profile, alive).kind, 'infra', 'a missing report with no death stays infra');
});

t.test('a slow exit step at the end, reaped during teardown, is the predicted exit', async (t) => {
  const r = parseScenario(`process A
A: w = open "a" O_RDWR|O_CREAT 0644
A: fork B
B: exit 3
`, 'slow-exit');
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  const sc = r.scenario;
  const base = { scenario: 0, t: 0 };
  const head: Observation[] = [
    { ...base, kind: 'scenario-start', name: 'slow-exit', dir: '/d', settleMs: 100, watchdogMs: 5000 },
    { ...base, kind: 'process', proc: 'A', pid: 10, pgid: 10, parent: null, seq: -1 },
    { ...base, kind: 'done', seq: 0, proc: 'A', pid: 10, op: 'open', late: false, ret: 3, errno: 0, errname: null, name: 'w' },
    { ...base, kind: 'process', proc: 'B', pid: 11, pgid: 10, parent: 'A', seq: 1 },
    { ...base, kind: 'done', seq: 1, proc: 'A', pid: 10, op: 'fork', late: false, ret: 11, errno: 0, errname: null },
    { ...base, kind: 'blocked', seq: 2, proc: 'B', pid: 11, op: 'exit' },
  ] as unknown as Observation[];
  const exitB = (status: number): Observation => ({ ...base, kind: 'exit', proc: 'B', pid: 11, status, signo: null, core: false, teardown: true, atStep: 2 }) as unknown as Observation;
  const exitA = { ...base, kind: 'exit', proc: 'A', pid: 10, status: 0, signo: null, core: false, teardown: true, atStep: 2 } as unknown as Observation;
  const end = { ...base, kind: 'scenario-end', name: 'slow-exit', status: 'ok', steps: 3 } as unknown as Observation;
  const ok = checkTrace(sc, profile, [...head, exitB(3), exitA, end]);
  t.equal(ok.kind, 'pass', formatVerdict(ok));
  t.equal(checkTrace(sc, profile, [...head, exitB(4), exitA, end]).kind, 'diverged', 'another status still diverges');
});

t.test('SIGIO pending once per queue: thread-owned and process-owned leases give two', async (t) => {
  const { sc, obs } = load('lease/two-leases-tid-and-process-sigio.scenario', 'lease-two-leases-tid-and-process-sigio');
  t.equal(obs.filter((o) => o.kind === 'signal').length, 2, 'the guest saw two SIGIOs');
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', 'the recorded trace passes');
  let dropped = false;
  const one = obs.filter((o) => !(o.kind === 'signal' && !dropped && (dropped = true)));
  t.equal(checkTrace(sc, profile, one).kind, 'diverged', 'one SIGIO only diverges');
});

t.test('real-time signals are never merged', async (t) => {
  const { sc, obs } = load('lease/two-leases-rt-two-signals.scenario', 'lease-two-leases-rt-two-signals');
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', 'the recorded trace (two SIGRTMIN) passes');
  let dropped = false;
  const one = obs.filter((o) => !(o.kind === 'signal' && !dropped && (dropped = true)));
  t.equal(checkTrace(sc, profile, one).kind, 'diverged', 'one SIGRTMIN only diverges');
});
