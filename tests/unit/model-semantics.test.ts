import t from 'tap';
import { ScenarioBuilder } from '../../src/scenario/builders.js';
import type { StepResult } from '../../src/model/index.js';
import { procByName } from '../../src/model/state.js';
import { profile, run } from './fixtures/lease-model.js';
import type { Scenario } from '../../src/scenario/ast.js';

/** The model with a deliberately wrong rule switched on. */
const runWrong = (sc: Scenario, rules: { ignoreCloexec?: boolean }) => run(sc, profile, rules);

const ret = (r: StepResult | 'blocked' | 'none' | undefined): number | string => (r && typeof r === 'object' ? (r.errno ? `errno ${r.errno}` : r.ret) : String(r));

t.test('dup: lowest free fd, same open file (shared offset), FD_CLOEXEC clear', async (t) => {
  const b = new ScenarioBuilder('dup');
  b.proc('A').open('f', 'data', 'O_RDWR|O_CREAT|O_CLOEXEC', 0o644).write('f', 'hello').dup('g', 'f').lseek('g', 1).read('f', 10).fcntl('g', 'F_GETFD').fcntl('f', 'F_GETFD');
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 5, 4, 1, 4, 0, 1]);
  t.equal((r.results[4] as StepResult).data, 'ello');
});

t.test('dup2 over an open fd closes it first; dup2(fd, fd) returns fd', async (t) => {
  const b = new ScenarioBuilder('dup2');
  b.proc('A').open('a', 'a', 'O_RDWR|O_CREAT', 0o644).write('a', 'AA').open('b', 'b', 'O_RDWR|O_CREAT', 0o644)
    .fcntl('b', 'F_SETLEASE', 'F_WRLCK').dup2('c', 'a', 'b').pread('c', 9, 0).dup2('d', 'a', 'a').open('b2', 'b', 'O_RDONLY');
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 2, 4, 0, 4, 2, 3, 5]);
  // b's only fd was replaced: its open file is gone, and so is its lease (last fput).
  const inodeB = [...r.final.inodes.values()].find((i) => i.ino === r.final.names.get('b'));
  t.same(inodeB?.leases, []);
  t.equal(inodeB?.readcount, 1, 'only the new O_RDONLY open counts');
});

t.test('fork copies the fd table; the child closing its copy leaves the parent\'s', async (t) => {
  const b = new ScenarioBuilder('fork');
  const A = b.proc('A').open('f', 'data', 'O_RDWR|O_CREAT', 0o644).write('f', 'xyz');
  const B = A.fork('B');
  B.lseek('f', 0, 'SEEK_CUR').close('f');
  A.read('f', 1).lseek('f', 0, 'SEEK_SET');
  const r = run(b.build());
  t.same(r.results.map(ret).slice(0, 2), [3, 3]);
  t.same((r.results[2] as StepResult).retPid, { proc: 'B', pgrp: false });
  t.same(r.results.map(ret).slice(3), [3, 0, 0, 0]);
  t.equal(r.final.files.get(procByName(r.final, 'A')!.fds[3]!.file)!.refs, 1);
});

t.test('execve closes close-on-exec fds only', async (t) => {
  const b = new ScenarioBuilder('exec');
  b.proc('A').open('c', 'c', 'O_RDWR|O_CREAT|O_CLOEXEC', 0o644).open('k', 'k', 'O_RDWR|O_CREAT', 0o644).execve().fcntl('c', 'F_GETFD').fcntl('k', 'F_GETFD');
  const sc = b.build();
  const r = run(sc);
  t.same(r.results.map(ret), [3, 4, 0, 'errno 9', 0]);
  t.same((r.results[2] as StepResult).fds, { k: 4 });
  const wrong = runWrong(sc, { ignoreCloexec: true });
  t.same(wrong.results.map(ret), [3, 4, 0, 1, 0], 'the test hook really switches the rule off');
});

t.test('close then reuse: the lowest number comes back; a stale number names the new file', async (t) => {
  const b = new ScenarioBuilder('reuse');
  b.proc('A').open('a', 'a', 'O_RDWR|O_CREAT', 0o644).open('b', 'b', 'O_RDWR|O_CREAT', 0o644).close('a').open('c', 'b', 'O_RDONLY').fcntl({ stale: 'a' }, 'F_GETFL').close({ stale: 'a' }).close({ stale: 'a' });
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 4, 0, 3, 0x8000, 0, 'errno 9']);
});

t.test('F_SETOWN/F_GETOWN/F_SETSIG live in the open file', async (t) => {
  const b = new ScenarioBuilder('owner');
  const A = b.proc('A').open('f', 'data', 'O_RDWR|O_CREAT', 0o644).fcntl('f', 'F_GETOWN').fcntl('f', 'F_SETSIG', 'SIGRTMIN+1');
  const B = A.fork('B');
  B.fcntl('f', 'F_SETOWN', 'B').fcntl('f', 'F_GETSIG');
  A.fcntl('f', 'F_GETOWN').fcntl('f', 'F_SETOWN', '-A').fcntl('f', 'F_GETOWN').fcntl('f', 'F_SETSIG', 65).fcntl('f', 'F_SETOWN', 0).fcntl('f', 'F_GETOWN');
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 0, 0, 'pid', 0, 35, 0, 0, 0, 'errno 22', 0, 0].map((x, i) => (x === 'pid' ? ret(r.results[i]) : x)));
  t.same((r.results[6] as StepResult).retPid, { proc: 'B', pgrp: false });
  t.same((r.results[8] as StepResult).retPid, { proc: 'A', pgrp: true });
});

t.test('lease break: SIGIO to the owner, O_NONBLOCK breaker EWOULDBLOCK, blocking breaker released by F_UNLCK', async (t) => {
  const b = new ScenarioBuilder('lease').sysctl('fs.lease-break-time', 5);
  const A = b.proc('A').open('w', 'data', 'O_WRONLY|O_CREAT', 0o644).close('w').open('f', 'data', 'O_RDONLY').fcntl('f', 'F_SETLEASE', 'F_RDLCK').fcntl('f', 'F_SETSIG', 'SIGRTMIN');
  const B = A.fork('B');
  B.open('g', 'data', 'O_WRONLY|O_NONBLOCK');
  A.fcntl('f', 'F_GETLEASE');
  B.open('h', 'data', 'O_RDWR');
  A.waitSignal(1000).fcntl('f', 'F_SETLEASE', 'F_UNLCK').fcntl('f', 'F_GETSIG');
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 0, 3, 0, 0, 'pid', 'errno 11', 2, 'blocked', 34, 0, 0].map((x, i) => (x === 'pid' ? ret(r.results[i]) : x)));
  t.same(r.signals, [{ proc: 'A', signo: 34, code: 3, fd: 3, band: 0x441 }], 'one break, one queued SIGRTMIN with si_fd');
  const bProc = procByName(r.final, 'B')!;
  t.equal(bProc.status.k, 'idle', 'B\'s open completed when the lease went away');
  t.equal(bProc.names['h'], 4);
  t.equal(bProc.fds[4] !== null && bProc.fds[4] !== undefined, true);
});

t.test('F_SETLEASE preconditions', async (t) => {
  const b = new ScenarioBuilder('pre');
  b.proc('A').open('f', 'data', 'O_RDWR|O_CREAT', 0o644).open('g', 'data', 'O_RDONLY')
    .fcntl('f', 'F_SETLEASE', 'F_WRLCK') // another open
    .fcntl('f', 'F_SETLEASE', 'F_RDLCK') // open for write (itself)
    .close('g').fcntl('f', 'F_SETLEASE', 'F_WRLCK').fcntl('f', 'F_GETFL').fcntl('f', 'F_GETOWN')
    .mkdir('d').open('d', 'd', 'O_RDONLY|O_DIRECTORY').fcntl('d', 'F_SETLEASE', 'F_RDLCK');
  const r = run(b.build());
  t.same(r.results.map(ret).slice(0, 6), [3, 4, 'errno 11', 'errno 11', 0, 0]);
  t.equal(ret(r.results[6]), 0x8002 | 0x2000, 'O_ASYNC from the lease fasync entry');
  t.same((r.results[7] as StepResult).retPid, { proc: 'A', pgrp: false }, 'lease_setup made A the owner');
  t.same(r.results.map(ret).slice(8), [0, 4, 'errno 22']);
});

t.test('SIGIO at its default action kills the holder, whose exit releases the breaker', async (t) => {
  const b = new ScenarioBuilder('kill').sysctl('fs.lease-break-time', 30);
  const A = b.proc('A').signal('SIGIO', 'default').open('f', 'data', 'O_RDONLY|O_CREAT', 0o644).fcntl('f', 'F_SETLEASE', 'F_RDLCK');
  const B = A.fork('B');
  B.close('f').open('g', 'data', 'O_WRONLY');
  const r = run(b.build());
  t.same(r.results.map(ret).slice(-2), [0, 3]);
  const a = procByName(r.final, 'A')!;
  t.equal(a.alive, false);
  t.same(a.end, { status: null, signo: 29 });
  t.same(r.signals, [], 'nothing caught');
});

t.test('a breaker that catches its own lease break signal gets EINTR (no SA_RESTART)', async (t) => {
  const b = new ScenarioBuilder('self');
  b.proc('A').open('f', 'data', 'O_RDONLY|O_CREAT', 0o644).fcntl('f', 'F_SETLEASE', 'F_RDLCK').open('g', 'data', 'O_RDWR').fcntl('f', 'F_GETLEASE');
  const r = run(b.build());
  t.same(r.results.map(ret), [3, 0, 'errno 4', 2]);
});

t.test('expect-blocked: 1 with the step while the process is blocked, else 0', async (t) => {
  const b = new ScenarioBuilder('eb').sysctl('fs.lease-break-time', 30);
  const A = b.proc('A').open('f', 'data', 'O_RDONLY|O_CREAT', 0o644).fcntl('f', 'F_SETLEASE', 'F_RDLCK');
  const B = A.fork('B');
  A.expectBlocked('B');
  B.open('g', 'data', 'O_RDWR');
  A.expectBlocked('B').fcntl('f', 'F_SETLEASE', 'F_UNLCK').expectBlocked('B');
  const r = run(b.build());
  const eb = (i: number) => {
    const x = r.results[i] as StepResult;
    return [x.ret, x.blockedSeq];
  };
  t.same(eb(3), [0, null], 'B idle');
  t.equal(r.results[4], 'blocked');
  t.same(eb(5), [1, 4], 'B blocked in its open (step 4)');
  t.same(eb(7), [0, null], 'the unlock completed it');
});

t.test('an exit step completes with ret 0; the process is dead with its status', async (t) => {
  const b = new ScenarioBuilder('ex');
  const A = b.proc('A').open('f', 'data', 'O_RDONLY|O_CREAT', 0o644);
  A.fork('B').exit(3);
  const r = run(b.build());
  t.same(r.results[2], { ret: 0, errno: 0 });
  const p = procByName(r.final, 'B')!;
  t.equal(p.alive, false);
  t.same(p.end, { status: 3, signo: null });
});
