// Per-scenario timing in TAP, JSON and JUnit: the runner's own clock, since one
// exec runs a whole batch.
import t from 'tap';
import { scenarioMs } from '../../src/report/timing.js';

t.test("a scenario's time comes from the runner's clock on its start and end lines", async (t) => {
  const start = { kind: 'scenario-start', scenario: 5, t: 144_008, name: 'x', dir: '/d', settleMs: 50, watchdogMs: 5000 } as const;
  const end = { kind: 'scenario-end', scenario: 5, t: 160_985, name: 'x', status: 'ok', steps: 8 } as const;
  t.equal(scenarioMs([start, end] as never, 60), 17);
  t.equal(scenarioMs([start] as never, 60), 60, 'a cut trace: the batch average');
  t.equal(scenarioMs([], 0), 0);
});
