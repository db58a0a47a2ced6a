// The runner on this host: the setuid step drops a forked process to an
// unprivileged uid (F_SETLEASE on root's file -> EACCES: no CAP_LEASE), the
// drop is one-way (EPERM back to 0), and the parent stays root.
import t from 'tap';
import { F, O, done, name, open, run, scen } from './fixtures/runner.js';

const lease = (fd: string, type: number) => ({ kind: 'fcntl' as const, fd: name(fd), cmd: F.SETLEASE, arg: { kind: 'int' as const, value: type } });

const s = scen('setuid', [
  ['a', open('f', 'file', O.RDONLY | O.CREAT)], // 0
  ['a', { kind: 'fork', child: 'b' }], // 1
  ['b', { kind: 'setuid', uid: 65534 }], // 2
  ['b', lease('f', F.RDLCK)], // 3
  ['b', { kind: 'setuid', uid: 0 }], // 4
  ['a', lease('f', F.RDLCK)], // 5
  ['a', lease('f', F.UNLCK)], // 6
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.same(r.trace.errors, []);
if (process.getuid?.() === 0) {
  t.match(done(obs, 2), { ret: 0, errno: 0 }, 'root may drop to 65534');
  t.match(done(obs, 3), { ret: -1, errname: 'EACCES' }, 'no CAP_LEASE, not the owner');
  t.match(done(obs, 4), { ret: -1, errname: 'EPERM' }, 'no way back');
  t.match(done(obs, 5), { ret: 0 }, 'the parent is still root');
} else {
  t.match(done(obs, 2), { ret: -1, errname: 'EPERM' }, 'not root here: setgroups fails');
}
