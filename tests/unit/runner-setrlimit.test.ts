// The runner on this host: the setrlimit step lowers the soft RLIMIT_NOFILE
// (guest/probes/runner/rlimit.c). New fds then fail with EMFILE, a fork's
// child still attaches its control socket (proc.c raises the limit while it
// does) and inherits the limit.
import t from 'tap';
import { O, done, open, run, scen } from './fixtures/runner.js';

const s = scen('setrlimit', [
  ['l', open('f', 'file', O.RDWR | O.CREAT)], // 0: fd 3
  ['l', { kind: 'setrlimit', resource: 7, soft: 4 }], // 1
  ['l', open('g', 'file', O.RDONLY)], // 2: EMFILE
  ['l', { kind: 'fork', child: 'c' }], // 3
  ['c', open('h', 'file', O.RDONLY)], // 4: EMFILE in the child too
  ['c', { kind: 'close', fd: { kind: 'name', name: 'f' } }], // 5
  ['c', open('i', 'file', O.RDONLY)], // 6: fd 3 again
  ['l', { kind: 'setrlimit', resource: 7, soft: 1024 }], // 7
  ['l', open('j', 'file', O.RDONLY)], // 8: fd 4
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.match(done(obs, 1), { ret: 0, errno: 0 });
t.match(done(obs, 2), { ret: -1, errname: 'EMFILE' });
t.match(done(obs, 3), { errno: 0, child: 'c' }, 'the child attached');
t.match(done(obs, 4), { ret: -1, errname: 'EMFILE' }, 'the limit is inherited');
t.match(done(obs, 6), { ret: 3, errno: 0 });
t.match(done(obs, 8), { ret: 4, errno: 0 });
t.notOk(obs.some((o) => o.kind === 'infra'));
