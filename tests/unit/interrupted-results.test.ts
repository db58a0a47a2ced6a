import t from 'tap';
import { withUnfinished } from '../../src/cli/interrupted-results.js';
import type { ScenarioRecord } from '../../src/report/types.js';

t.test('finished records stay, in plan order; the rest say they did not finish', async (t) => {
  const planned = [
    { file: 'a.scenario', name: 'a', guest: 'nvdimm/ext4/dax=always' },
    { file: 'b.scenario', name: 'b', guest: 'nvdimm/ext4/dax=always' },
    { file: 'a.scenario', name: 'a', guest: 'nvdimm/xfs/dax=always' },
  ];
  const done: ScenarioRecord = { ...planned[1]!, verdict: { kind: 'pass', scenario: 'b', observations: 3, states: 1 }, ms: 12, observations: [] };
  const r = withUnfinished(planned, [undefined, done], 'vfslab interrupted by SIGINT');
  t.equal(r.length, 3, 'a record for every planned scenario');
  t.equal(r[1], done, 'the finished one as it was');
  for (const i of [0, 2]) {
    t.same(r[i], { ...planned[i], verdict: { kind: 'infra', scenario: 'a', reason: 'not finished: vfslab interrupted by SIGINT' }, ms: 0, observations: [] }, `record ${i}: infra, not finished`);
  }
  t.same(withUnfinished([], [], 'x'), [], 'nothing planned, nothing written');
});
