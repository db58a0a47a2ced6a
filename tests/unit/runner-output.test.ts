// The runner's stdout: observations are buffered per scenario (one write per
// scenario, not per line) but every line still arrives, in order, and a plan
// that does not parse is an infra line and exit 2 (it once crashed: the output
// buffer was set up only after the plan had parsed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { serializePlan } from '../../src/scenario/wire.js';
import { O, open, run, runnerPath, runPlan, scen } from './fixtures/runner.js';

t.test('a plan that does not parse: one infra line, exit 2', async (t) => {
  const r = runPlan('not a plan\n');
  t.equal(r.code, 2);
  t.match(r.stdout.trim(), /^\{"kind":"infra","scenario":-1,.*"error":"plan"/);
  t.notOk(r.stdout.trim().includes('\n'), 'exactly one line');
});

t.test('many scenarios: every observation, in order, each scenario ended', async (t) => {
  const scenarios = Array.from({ length: 40 }, (_, i) =>
    scen(`s${i}`, [
      ['a', open('f', 'file', O.RDWR | O.CREAT)],
      ['a', { kind: 'close', fd: { kind: 'name', name: 'f' } }],
    ]),
  );
  const r = run(scenarios);
  t.equal(r.code, 0);
  t.equal(r.trace.scenarios.length, 40);
  for (const [i, s] of r.trace.scenarios.entries()) {
    const kinds = s.observations.map((o) => o.kind);
    t.equal(kinds[0], 'scenario-start', `s${i} starts`);
    t.equal(kinds.at(-1), 'scenario-end', `s${i} ends`);
    t.equal(kinds.filter((k) => k === 'done').length, 2, `s${i} has both steps`);
  }
  const ts = r.stdout.trim().split('\n').map((l) => JSON.parse(l).t as number);
  t.ok(ts.every((x, i) => i === 0 || x >= ts[i - 1]!), 'timestamps never go back');
});

t.test('a scenario that waits shows its trace so far before it ends', async (t) => {
  // A sleep step: the coordinator idles, so what came before is written
  // while the scenario still runs (a host watching a stuck run sees it).
  const plan = scen('waits', [
    ['a', open('f', 'file', O.RDWR | O.CREAT)],
    ['a', { kind: 'sleep', ms: 1500 }],
  ]);
  const base = mkdtempSync(join(tmpdir(), 'vfslab-runner-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  // Kill it half-way through the sleep: whatever reached stdout by then was flushed by the idle rule.
  const r = spawnSync(runnerPath, ['--base', base], { input: serializePlan([plan]), encoding: 'utf8', timeout: 700, killSignal: 'SIGKILL' });
  t.match(r.stdout, /"kind":"done".*"op":"open"/, 'the open step was written before the scenario ended');
  t.notMatch(r.stdout, /scenario-end/);
});
