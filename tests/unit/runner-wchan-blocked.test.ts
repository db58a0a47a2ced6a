// --blocked-by-wchan: a step asleep in a known kernel wait (here a lease
// break, __break_lease) is reported blocked as soon as two looks at
// /proc/PID/wchan agree, not after the settle time; a step that finishes is
// reported done as before. Runs on this host's kernel.
import t from 'tap';
import { F, O, name, open, run, scen } from './fixtures/runner.js';

const blocked = scen(
  'wchan-lease-break',
  [
    ['holder', open('f', 'file', O.RDWR | O.CREAT)], // 0
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.WRLCK } }], // 1
    ['holder', { kind: 'signal', signo: 29, disposition: 'ignore' }], // 2
    ['holder', { kind: 'fork', child: 'breaker' }], // 3
    ['breaker', open('r', 'file', O.RDONLY)], // 4: blocks on the lease
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.UNLCK } }], // 5
    ['holder', { kind: 'await', proc: 'breaker', timeoutMs: 2000 }], // 6
  ],
  [{ name: 'fs.lease-break-time', value: 5 }],
);

t.test('a lease-blocked open is reported blocked well before a 3 s settle time', async (t) => {
  const r = run([blocked], { settleMs: 3000 }, ['--blocked-by-wchan']);
  const obs = r.trace.scenarios[0]!.observations;
  const b = obs.find((o) => o.kind === 'blocked' && o.seq === 4);
  t.ok(b, 'the breaker was reported blocked');
  t.ok(obs.some((o) => o.kind === 'done' && o.seq === 4 && o.late), 'and completed late after the unlock');
  t.match(obs.at(-1), { kind: 'scenario-end', status: 'ok' });
  t.ok(r.ms < 2500, `not after the settle time (${r.ms} ms)`);
});

t.test('without the flag the settle time decides, as before', async (t) => {
  const r = run([blocked], { settleMs: 1500 });
  t.ok(r.ms >= 1500, `waited the settle time (${r.ms} ms)`);
});
