// The runner on this host: a step that never returns makes the next step of
// its process wait; the watchdog kills the scenario's processes, reports an
// infra error for that scenario, and the batch goes on.
import t from 'tap';
import { F, O, done, name, open, run, scen } from './fixtures/runner.js';

const stuck = scen('stuck', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['a', { kind: 'signal', signo: 29, disposition: 'ignore' }], // 1
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.WRLCK } }], // 2
  ['a', { kind: 'fork', child: 'b' }], // 3
  ['b', open('r', 'file', O.RDONLY)], // 4: blocked for the whole lease-break-time (45 s)
  ['b', { kind: 'close', fd: name('r') }], // 5: cannot start
]);
const after = scen('after', [['a', { kind: 'mkdir', path: 'd', mode: 0o755 }]]);

const r = run([stuck, after], { watchdogMs: 300 });
const [s0, s1] = r.trace.scenarios;
t.equal(r.code, 1, 'exit status 1: a scenario had an infra error');
t.ok(s0!.observations.some((o) => o.kind === 'blocked' && o.seq === 4));
t.match(
  s0!.observations.find((o) => o.kind === 'infra'),
  { error: 'watchdog', seq: 5 },
  'watchdog infra error names the step',
);
t.match(
  s0!.observations.find((o) => o.kind === 'exit' && o.proc === 'b'),
  { signo: 9, teardown: true },
  'the stuck process was killed',
);
t.match(s0!.observations.at(-1), { kind: 'scenario-end', status: 'infra' });
t.equal(done(s1!.observations, 0)?.ret, 0, 'the next scenario ran');
t.match(s1!.observations.at(-1), { kind: 'scenario-end', status: 'ok' });
t.match(r.trace.summary, { scenarios: 2, ok: 1, infra: 1 });
t.ok(r.ms < 5000, `the batch did not wait for the lease break (${r.ms} ms)`);
