// The runner on this host: a process forked by a forked process attaches to
// the coordinator (its parent's copy of the socket name must survive the
// child's own attach) and takes steps.
import t from 'tap';
import type { ProcessStarted } from '../../src/trace/types.js';
import { O, done, name, open, run, scen } from './fixtures/runner.js';

const s = scen('grandchild', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['a', { kind: 'fork', child: 'b' }], // 1
  ['b', { kind: 'fork', child: 'c' }], // 2
  ['c', { kind: 'close', fd: name('f') }], // 3
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.notOk(obs.some((o) => o.kind === 'infra'), 'no watchdog');
t.match(obs.find((o): o is ProcessStarted => o.kind === 'process' && o.proc === 'c'), { parent: 'b' }, 'c attached, forked by b');
t.match(done(obs, 3), { ret: 0, errno: 0 }, 'and ran its step');
