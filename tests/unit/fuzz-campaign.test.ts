// The campaign loop with a fake guest: every case is run once; a new
// divergence is re-run (not reproducing: flaky), then shrunk; repeats of one
// signature are counted, not shrunk again; replay specs parse.
import t from 'tap';
import { runCampaign, parseReplay, replayPath, signature, type Executor } from '../../src/fuzz/campaign.js';
import type { Verdict } from '../../src/check/verdict.js';
import type { Scenario } from '../../src/scenario/ast.js';

const profile = { name: 'stock', version: '6.1.192', features: {} };
const env = { profile, guest: { pmem: 'nvdimm', fs: 'ext4', dax: 'always' } };
const pass = (s: Scenario): Verdict => ({ kind: 'pass', scenario: s.name, observations: 0, states: 1 });
const div = (s: Scenario, seen: string): Verdict => {
  const id = s.steps.findIndex((x) => x.op.kind === 'execve');
  return { kind: 'diverged', scenario: s.name, divergence: { index: 3, step: { id, line: 0, text: 'A: execve' }, seen, allowed: [], rules: [], state: [], by: 'model' } };
};
const hasExec = (s: Scenario): boolean => s.steps.some((x) => x.op.kind === 'execve');

t.test('divergences are reproduced, shrunk once per signature, and counted', async (t) => {
  const runs: number[] = [];
  const exec: Executor = {
    async run(list) {
      runs.push(list.length);
      return list.map((s) => ({ observations: [], verdict: hasExec(s) ? div(s, 'done ret=0 fds={"f3":3}') : pass(s) }));
    },
  };
  const r = await runCampaign(exec, { area: 'fd', seed: 3, count: 60, batch: 20, env, shrink: { batch: 10, maxRuns: 50 }, maxShrinks: 5 });
  t.equal(r.cases, 60);
  t.equal(r.tally.pass + r.tally.diverged, 60, 'every case has a verdict');
  t.ok(r.tally.diverged > 1, 'several cases exec');
  t.equal(r.findings.length, 1, 'one signature, one finding');
  const f = r.findings[0]!;
  t.equal(f.kind, 'divergence');
  t.equal(f.seen, r.tally.diverged, 'repeats counted');
  t.same(f.shrink!.minimal.steps.map((s) => s.op.kind), ['execve'], 'shrunk to the execve alone');
  t.ok(f.shrink!.runs <= 50, 'within budget');
  t.equal(runs.slice(0, 3).reduce((a, b) => a + b, 0) >= 20, true);
});

t.test('a divergence that does not reproduce is reported as flaky, not shrunk', async (t) => {
  let first = true;
  const exec: Executor = {
    async run(list) {
      return list.map((s) => {
        if (hasExec(s) && first) {
          first = false;
          return { observations: [], verdict: div(s, 'signal') };
        }
        return { observations: [], verdict: pass(s) };
      });
    },
  };
  const r = await runCampaign(exec, { area: 'fd', seed: 3, count: 40, batch: 40, env, shrink: { batch: 10, maxRuns: 50 }, maxShrinks: 5 });
  t.equal(r.findings.length, 1);
  t.equal(r.findings[0]!.kind, 'flaky');
  t.equal(r.findings[0]!.shrink, undefined);
});

t.test('replay specs', async (t) => {
  t.same(parseReplay('42:17'), { seed: 42, index: 17, kept: null });
  t.same(parseReplay('42:17:0-3.9'), { seed: 42, index: 17, kept: '0-3.9' });
  t.equal(parseReplay('42'), null);
  t.equal(parseReplay('x:1'), null);
  t.equal(parseReplay('4294967296:1'), null);
  t.equal(replayPath({ seed: 42, index: 17, kept: [0, 1, 2, 3, 9] }), '42:17:0-3.9');
  t.equal(replayPath({ seed: -1, index: 2 }), '4294967295:2');
});

t.test('signatures ignore numbers and name the op', async (t) => {
  const s = { name: 'x', description: '', file: '', requires: [], setup: { pmem: 'any', fs: 'any', dax: 'any', sysctls: [] }, processes: [{ name: 'A', line: 0 }], steps: [{ id: 0, line: 0, proc: 'A', op: { kind: 'execve' } }] } as Scenario;
  t.equal(signature(div(s, 'done ret=3'), s), signature(div(s, 'done ret=4'), s));
  t.match(signature(div(s, 'done ret=3'), s), /^execve: /);
});
