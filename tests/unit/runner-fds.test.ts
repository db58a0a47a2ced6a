// The runner on this host: fd numbering from 3, number reuse, dup/dup2, fork,
// and execve with and without close-on-exec, as the kernel reports them.
import t from 'tap';
import { F, O, done, name, open, run, scen } from './fixtures/runner.js';

const s = scen('fds', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0 -> 3
  ['a', open('g', 'file', O.RDONLY | O.CLOEXEC)], // 1 -> 4
  ['a', { kind: 'dup', result: 'h', fd: name('f') }], // 2 -> 5
  ['a', { kind: 'dup2', result: 'ten', fd: name('f'), newfd: { kind: 'num', num: 10 } }], // 3 -> 10
  ['a', { kind: 'close', fd: name('f') }], // 4
  ['a', open('k', 'file', O.RDONLY)], // 5 -> 3 again
  ['a', { kind: 'close', fd: { kind: 'name', name: 'f', stale: true } }], // 6: closes k's number 3
  ['a', { kind: 'readlink_fd', fd: { kind: 'num', num: 0 } }], // 7
  ['a', { kind: 'readlink_fd', fd: { kind: 'num', num: 6 } }], // 8: nothing there
  ['a', { kind: 'fcntl', fd: name('g'), cmd: F.GETFD, arg: { kind: 'none' } }], // 9
  ['a', { kind: 'fork', child: 'b' }], // 10
  ['b', { kind: 'fcntl', fd: name('ten'), cmd: F.GETFD, arg: { kind: 'none' } }], // 11
  ['b', { kind: 'execve' }], // 12
  ['b', { kind: 'fcntl', fd: name('g', ), cmd: F.GETFD, arg: { kind: 'none' } }], // 13: gone after exec
  ['b', { kind: 'fcntl', fd: name('h'), cmd: F.GETFL, arg: { kind: 'none' } }], // 14
  ['b', open('n', 'file', O.RDONLY)], // 15: lowest free number
  ['a', { kind: 'fcntl', fd: name('g'), cmd: F.GETFD, arg: { kind: 'none' } }], // 16: still open in a
  ['a', { kind: 'fcntl', fd: name('g'), cmd: F.DUPFD_CLOEXEC, arg: { kind: 'int', value: 0 }, result: 'd' }], // 17
]);

const r = run([s]);
const obs = r.trace.observations;

t.equal(r.code, 0, 'runner exit status');
t.same(r.trace.errors, []);
t.equal(done(obs, 0)?.ret, 3, 'first fd of a scenario process is 3');
t.equal(done(obs, 1)?.ret, 4);
t.equal(done(obs, 2)?.ret, 5, 'dup takes the lowest free number');
t.equal(done(obs, 3)?.ret, 10, 'dup2 to a chosen number');
t.equal(done(obs, 5)?.ret, 3, 'a closed number is reused');
t.equal(done(obs, 5)?.name, 'k');
t.equal(done(obs, 6)?.ret, 0, 'a stale name closes whatever now has its number');
t.equal(done(obs, 7)?.link, '/dev/null', 'fd 0 is /dev/null');
t.match(done(obs, 8), { ret: -1, errno: 2, errname: 'ENOENT' }, 'no other fd below 100');
t.equal(done(obs, 9)?.ret, 1, 'O_CLOEXEC sets FD_CLOEXEC');
t.equal(obs.find((o) => o.kind === 'process' && o.proc === 'b' && o.parent === 'a')?.kind, 'process', 'fork child reported');
t.equal(done(obs, 10)?.retProc, 'b', 'fork returns the child pid, named');
t.equal(done(obs, 11)?.ret, 0, 'dup2 clears FD_CLOEXEC');
t.same(done(obs, 12)?.fds, { h: 5, ten: 10 }, 'execve keeps exactly the fds without close-on-exec');
t.match(done(obs, 13), { ret: -1, errname: 'EBADF' }, 'close-on-exec fd is gone after exec');
t.equal(done(obs, 14)?.ret, O.RDWR | 0o100000, 'F_GETFL (O_LARGEFILE on a 64-bit open)');
t.equal(done(obs, 15)?.ret, 3, 'after exec the lowest free number is reused');
t.equal(done(obs, 16)?.ret, 1, "exec in the child leaves the parent's fd alone");
t.match(done(obs, 17), { ret: 3, name: 'd' }, 'F_DUPFD_CLOEXEC binds its result name');
t.equal(
  obs.filter((o) => o.kind === 'exit').every((o) => o.kind === 'exit' && o.teardown),
  true,
  'processes end at teardown',
);
t.equal(obs.at(-1)?.kind, 'summary');
