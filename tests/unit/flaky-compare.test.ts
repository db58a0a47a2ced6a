// The flakiness report's comparison (tests/flaky/compare.ts), without a VM.
import t from 'tap';
import { campaignCommits, changeTable, changes, tapOutcomes } from '../../tests/flaky/compare.js';

const tap = (second: string, verdictLine = '    ok 2 - fd/close-reuse # time=3ms') => `TAP version 14
1..2
# Subtest: tests/vm/a.test.ts
    ok 1 - boots # time=10ms
    ${second}
    ok 3 - optional # SKIP no kvm
    1..3
ok 1 - tests/vm/a.test.ts # time=20ms
# Subtest: tests/vm/b.test.ts
${verdictLine}
not ok 2 - tests/vm/b.test.ts # time=1ms
`;

t.test('test points are keyed by file and name', async (t) => {
  const o = tapOutcomes(tap('not ok 2 - recycles # time=5ms'));
  t.equal(o.get('tests/vm/a.test.ts :: boots'), 'ok');
  t.equal(o.get('tests/vm/a.test.ts :: recycles'), 'not ok');
  t.equal(o.get('tests/vm/a.test.ts :: optional'), 'skip');
  t.equal(o.get('tests/vm/b.test.ts :: fd/close-reuse'), 'ok');
  t.equal(o.get('tests/vm/b.test.ts :: (file)'), 'not ok', 'a file failing outside its subtests is a point too');
});

t.test('only what differs between runs is reported', async (t) => {
  const a = tapOutcomes(tap('ok 2 - recycles # time=5ms'));
  const b = tapOutcomes(tap('not ok 2 - recycles # time=5ms'));
  a.set('verdict stock nvdimm/ext4 x.scenario', 'pass');
  b.set('verdict stock nvdimm/ext4 x.scenario', 'diverged');
  b.set('tests/vm/c.test.ts :: new', 'ok');
  t.same(changes([a, a]), [], 'identical runs: nothing');
  t.same(changes([a, b]), [
    { key: 'tests/vm/a.test.ts :: recycles', outcomes: ['ok', 'not ok'] },
    { key: 'tests/vm/c.test.ts :: new', outcomes: ['(absent)', 'ok'] },
    { key: 'verdict stock nvdimm/ext4 x.scenario', outcomes: ['pass', 'diverged'] },
  ]);
  const table = changeTable([a, b], changes([a, b]));
  t.match(table, /^2 run\(s\), 8 test points and scenario verdicts, 3 changed:/);
  t.match(table, /\| verdict stock nvdimm\/ext4 x\.scenario \| pass \| diverged \|/);
  t.equal(changeTable([a, a], []), '2 run(s), 7 test points and scenario verdicts, 0 changed.\n');
});

t.test('campaignCommits: one commit, or which runs ran which', async (t) => {
  const rec = (commit: string, dirty = false) => ({ commit, dirty, startedAt: '', minutes: 6, exit: 0 });
  t.equal(campaignCommits([rec('a1'), rec('a1')]), 'All runs on a1.\n');
  t.equal(
    campaignCommits([rec('a1'), rec('a1'), rec('b2', true), undefined]),
    'Runs span 3 commits: a1 (runs 1,2); b2 (uncommitted changes) (runs 3); (not recorded) (runs 4).\n',
  );
});
