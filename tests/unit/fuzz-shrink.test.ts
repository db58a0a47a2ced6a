// The shrinker: candidates are valid scenarios (steps whose names went are
// pruned with them), replay paths round-trip, and a batched shrink reaches
// the 1-minimal scenario within its run budget.
import t from 'tap';
import { ScenarioBuilder } from '../../src/scenario/builders.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { candidates, decodeKept, encodeKept, FIRST, restrict, restrictIds, start } from '../../src/fuzz/shrink.js';
import { shrinkScenario, type Checked, type Executor } from '../../src/fuzz/campaign.js';
import type { Scenario } from '../../src/scenario/ast.js';
import type { Verdict } from '../../src/check/verdict.js';

function sample(): Scenario {
  const b = new ScenarioBuilder('s');
  const a = b.proc('A');
  a.open('w', 'a', 'O_RDWR|O_CREAT', 0o644).write('w', 'x').close('w')
    .open('f', 'a', 'O_RDONLY|O_CLOEXEC').dup('g', 'f').fcntl('g', 'F_GETFD');
  const c = a.fork('B');
  c.close('f').read('g', 1);
  a.execve().fcntl('f', 'F_GETFD').close({ stale: 'w' });
  return b.build();
}

const valid = (sc: Scenario): boolean => {
  const c = structuredClone(sc);
  c.processes = c.processes.slice(0, 1);
  return validateScenario(c).length === 0 && sc.steps.every((s, i) => s.id === i);
};

t.test('restrict prunes the steps that lose their names or process', async (t) => {
  const sc = sample();
  const r = restrictIds(sc, new Set(sc.steps.map((s) => s.id).filter((id) => id !== 3))); // drop `f = open`
  t.ok(valid(r.scenario), 'still valid');
  t.notOk(r.scenario.steps.some((s) => JSON.stringify(s.op).includes('"f"')), 'every use of f went with it');
  t.notOk(r.kept.includes(4), 'dup f went (g with it)');
  const nofork = restrict(sc, new Set(sc.steps.map((s) => s.id).filter((id) => id !== 6)));
  t.notOk(nofork.steps.some((s) => s.proc === 'B'), "B's steps went with its fork");
  t.same(nofork.processes.map((p) => p.name), ['A'], 'process list follows');
});

t.test('candidates are valid, smaller, distinct, and end at single steps', async (t) => {
  const sc = sample();
  let at: typeof FIRST | null = FIRST;
  const all = new Set<string>();
  let rounds = 0;
  while (at) {
    const { list, next } = candidates(start(sc), at, 5);
    for (const c of list) {
      t.ok(valid(c.scenario), 'valid');
      t.ok(c.scenario.steps.length < sc.steps.length, 'smaller');
      t.equal(c.origin.length, c.scenario.steps.length, 'origin per step');
      all.add(c.origin.join(','));
    }
    at = next;
    rounds++;
  }
  t.ok(rounds > 1, 'the stream was cut into rounds of at most 5');
  for (let i = 0; i < sc.steps.length; i++) {
    const keep = new Set(sc.steps.map((s) => s.id).filter((id) => id !== i));
    t.ok(all.has(restrictIds(sc, keep).kept.join(',')) || restrictIds(sc, keep).kept.length === sc.steps.length, `removing step ${i} was offered`);
  }
});

t.test('replay paths round-trip', async (t) => {
  for (const ids of [[], [0], [0, 1, 2, 5, 9], [3, 4, 5, 6, 10, 12, 13]]) t.same(decodeKept(encodeKept(ids)), ids);
  t.equal(encodeKept([0, 1, 2, 5, 9, 10]), '0-2.5.9-10');
  t.equal(decodeKept('3-1'), null);
  t.equal(decodeKept('x'), null);
});

/** Diverges while the scenario still has an O_CLOEXEC open and an execve after it by A. */
const planted = (sc: Scenario): boolean => {
  const o = sc.steps.findIndex((s) => s.op.kind === 'open' && (s.op.flags & 0o2000000) !== 0 && s.proc === 'A');
  return o >= 0 && sc.steps.some((s, i) => i > o && s.op.kind === 'execve' && s.proc === 'A');
};
const diverged = (sc: Scenario): Verdict => ({
  kind: 'diverged', scenario: sc.name,
  divergence: { index: 0, step: null, seen: 'x', allowed: [], rules: [], state: [], by: 'model' },
});

t.test('a batched shrink reaches the minimal scenario within its budget', async (t) => {
  const sc = sample();
  let batches = 0;
  const exec: Executor = {
    async run(list) {
      batches++;
      t.ok(list.length <= 8, 'batches respect the size');
      return list.map((s): Checked => ({ observations: [], verdict: planted(s) ? diverged(s) : { kind: 'pass', scenario: s.name, observations: 0, states: 1 } }));
    },
  };
  const r = await shrinkScenario(sc, diverged(sc), exec, { batch: 8, maxRuns: 100 });
  t.same(r.minimal.steps.map((s) => s.op.kind), ['open', 'execve'], 'only the open and the execve are left');
  t.ok(r.runs <= 100, `within the run budget (${r.runs} runs, ${batches} batches)`);
  t.same(r.kept, [3, 9], 'kept the original steps 3 and 9');
  t.ok(valid(restrict(sc, new Set(r.kept))), 'the replay path gives a valid scenario');
});

t.test('the run budget is a hard limit', async (t) => {
  const sc = sample();
  const exec: Executor = { async run(list) { return list.map((s) => ({ observations: [], verdict: { kind: 'pass', scenario: s.name, observations: 0, states: 1 } as Verdict })); } };
  const r = await shrinkScenario(sc, diverged(sc), exec, { batch: 4, maxRuns: 10 });
  t.ok(r.runs <= 10, `${r.runs} runs`);
  t.equal(r.minimal.steps.length, sc.steps.length, 'nothing shrank when no candidate diverges');
});
