// The runner bench's "small" scenarios: fd/fcntl ones without a wall-clock
// wait. A scenario that sleeps measures its sleep, not the runner.
import t from 'tap';
import { benchScenarios, isSmall } from '../bench/runner-throughput.js';
import { parseScenario } from '../../src/scenario/parse.js';
import type { Scenario } from '../../src/scenario/ast.js';

function scenario(body: string): Scenario {
  const r = parseScenario(`scenario s\nprocess A\n${body}\n`, 's.scenario');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.scenario;
}

t.test('a scenario with a sleep, wait-signal or await is not small', async (t) => {
  t.ok(isSmall(scenario('A: f = open "x" O_RDWR|O_CREAT 0644\nA: close f')), 'open and close');
  t.notOk(isSmall(scenario('A: sleep 100ms')), 'sleep');
  t.notOk(isSmall(scenario('A: wait-signal SIGIO 100ms')), 'wait-signal');
});

t.test('the pool is the fd and fcntl trees less their waiting scenarios', async (t) => {
  const all = benchScenarios('all');
  const small = benchScenarios('small');
  t.ok(small.length >= 10, `${small.length} small scenarios`);
  t.ok(small.length < all.length, 'some are left out');
  t.notOk(small.some((s) => s.name === 'exit-closes-fds'), 'exit-closes-fds (a 100 ms sleep) is left out');
  t.ok(small.every(isSmall));
});
