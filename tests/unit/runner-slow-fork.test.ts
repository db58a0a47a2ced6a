// A fork slower than the settle time is reported blocked; the child's first
// step must then wait for the child to attach instead of failing the scenario
// with "process does not exist" (seen under load by the fuzzer). Settle 0
// makes every fork "slow" here.
import t from 'tap';
import { O, open, run, scen } from './fixtures/runner.js';

const s = scen('slow-fork', [
  ['a', { kind: 'fork', child: 'b' }],
  ['b', open('f', 'file', O.RDWR | O.CREAT)],
  ['a', open('g', 'file', O.RDONLY)],
]);

t.test('the child of a fork reported blocked still runs its steps', async (t) => {
  for (let i = 0; i < 5; i++) {
    const r = run([s], {}, ['--settle-ms', '0']);
    const obs = r.trace.scenarios[0]!.observations;
    t.notOk(obs.some((o) => o.kind === 'infra'), `run ${i}: no infra error`);
    // With settle 0 every step is "blocked" (and killed at teardown if not
    // done by then): what matters is that b's step was started at all.
    t.ok(obs.some((o) => o.kind === 'process' && o.proc === 'b'), `run ${i}: b attached`);
    t.ok(obs.some((o) => (o.kind === 'blocked' || o.kind === 'done') && o.seq === 1), `run ${i}: b's open was sent`);
    t.match(obs.at(-1), { kind: 'scenario-end', status: 'ok' });
  }
});
