// MAP_DIRECT lease breaks (guest/patches/0002): which syscalls break and
// wait, the signal, the revocation after lease-break-time, early release
// by the last VMA going, sharing across fork and split.
import t from 'tap';
import { runMd, brief, STOCK } from './fixtures/md-model.js';
import { expiry, timeOutLeases } from '../../src/model/lease.js';
import { mdHidden } from '../../src/model/map-direct.js';
import { withOptions } from '../../src/model/options.js';

const PRE = 'A: fork B\nA: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: m = mmap f 8192 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_DIRECT\n';
const LBT1 = { sysctl: 'fs.lease-break-time=1' };

t.test('write, pwrite, ftruncate, truncate, fallocate (modes 0, 1, 3) break and wait; the owner gets SIGIO', async (t) => {
  const breakers = ['B: g = open "data" O_RDWR\nB: write g "x"', 'B: g = open "data" O_RDWR\nB: pwrite g "x" 4', 'B: g = open "data" O_RDWR\nB: ftruncate g 8192',
    'B: truncate "data" 100', 'B: g = open "data" O_RDWR\nB: fallocate g 0 0 4096', 'B: g = open "data" O_RDWR\nB: fallocate g FALLOC_FL_KEEP_SIZE 8192 4096',
    'B: g = open "data" O_RDWR\nB: fallocate g FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE 0 4096'];
  for (const b of breakers) {
    const r = runMd(PRE + b + '\nA: await B 5s', LBT1);
    const i = r.results.length - 2;
    t.equal(brief(r.results[i]), 'blocked', b);
    t.equal(r.late[i]?.errno, 0, `${b}: completes after the revocation`);
    t.same(r.signals.map((x) => [x.proc, x.signo, x.code]), [['A', 29, 0x80]], `${b}: SIGIO SI_KERNEL to A`);
    t.equal(r.final.md!.maps[1]!.valid, false, 'the mapping was revoked');
    const s = runMd(PRE + b + '\nA: await B 5s', { ...LBT1, profile: STOCK });
    t.not(brief(s.results[i]), 'blocked', `${b}: stock completes at once`);
    t.equal(s.signals.length, 0);
  }
});

t.test('open, read and stat do not break the lease', async (t) => {
  const r = runMd(PRE + 'B: g = open "data" O_WRONLY|O_NONBLOCK\nB: h = open "data" O_RDONLY\nB: pread h 1 0\nB: statx "data"', LBT1);
  t.same(r.results.slice(4).map(brief), [3, 4, 1, 0]);
  t.equal(r.signals.length, 0);
  t.equal(r.final.inodes.get(2)!.leases[0]!.unlockPending, false);
});

t.test('argument errors come before the break: EBADF, EINVAL, EOPNOTSUPP do not break', async (t) => {
  const r = runMd(PRE + 'B: g = open "data" O_RDONLY\nB: write g "x"\nB: ftruncate g 0\nB: fallocate g FALLOC_FL_PUNCH_HOLE 0 4096\nB: h = open "data" O_RDWR\nB: pwrite h "x" -1\nB: ftruncate h -1', LBT1);
  t.same(r.results.slice(5).map(brief), ['E9', 'E22', 'E95', 4, 'E22', 'E22']);
  t.equal(r.signals.length, 0);
});

t.test('the holder\'s own write: its own SIGIO interrupts the wait (EINTR); the break stays in progress', async (t) => {
  const r = runMd(PRE + 'A: pwrite f "x" 0\nA: fcntl f F_GETLEASE\nA: sleep 3s\nA: pwrite f "y" 0\nA: fcntl f F_GETLEASE', LBT1);
  t.same(r.results.slice(4).map(brief), ['E4', 2, 0, 1, 2]);
  t.equal(r.signals.length, 1);
});

t.test('F_SETSIG: si_code POLL_MSG, si_band 0x441, si_fd -1', async (t) => {
  const r = runMd('A: fork B\nA: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: fcntl f F_SETSIG SIGRTMIN+1\nA: m = mmap f 8192 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nB: g = open "data" O_WRONLY\nB: write g "x"', LBT1);
  t.same(r.signals.map((x) => [x.proc, x.signo, x.code, x.fd, x.band]), [['A', 35, 3, -1, 0x441]]);
});

t.test('one lease per mapping: two mappings, two signals; a second breaker sends none', async (t) => {
  const r = runMd('A: fork B\nA: fork C\nA: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: fcntl f F_SETSIG SIGRTMIN+1\n' +
    'A: m1 = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: m2 = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT 4096\n' +
    'B: g = open "data" O_WRONLY\nB: write g "x"\nC: h = open "data" O_WRONLY\nC: write h "y"', LBT1);
  t.equal(r.signals.length, 2);
  t.equal(brief(r.results[8]), 'blocked');
  t.equal(brief(r.results[10]), 'blocked');
});

t.test('revocation after lease-break-time: faults SIGBUS, VMA stays, lease gone, owner/F_SETSIG/O_ASYNC cleared', async (t) => {
  const r = runMd('A: fork B\nA: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: fcntl f F_SETSIG SIGRTMIN+1\nA: m = mmap f 8192 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_DIRECT\n' +
    'A: load m 0\nB: g = open "data" O_WRONLY\nB: write g "x"\nA: fcntl f F_GETLEASE\nA: await B 5s\nA: load m 0\nA: store m 5 0x7a\nA: fcntl f F_GETLEASE\nA: fcntl f F_GETOWN\nA: fcntl f F_GETSIG\nA: fcntl f F_GETFL\nA: munmap m', LBT1);
  t.same(r.results.slice(5).map(brief), [0x61, 3, 'blocked', 2, 0, 'SIGBUS/2@0', 'SIGBUS/2@5', 2, 0, 0, 0x8002, 0]);
  t.equal(r.final.md!.maps[1], undefined, 'munmap of the dead VMA frees the state');
});

t.test('lease-break-time is read at the break; 0 revokes at once', async (t) => {
  const r = runMd(PRE + 'B: g = open "data" O_WRONLY\nB: write g "x"\nA: await B 1s', { sysctl: 'fs.lease-break-time=0' });
  t.equal(brief(r.results[6]), 0);
  t.equal(r.late[5]?.ret, 1);
  const late = runMd(PRE + 'B: g = open "data" O_WRONLY\nB: write g "x"\nA: sysctl fs.lease-break-time 1\nA: await B 3s', { sysctl: 'fs.lease-break-time=30' });
  t.equal(brief(late.results[7]), 'E110', 'the 30 s timer set at the break still runs');
});

t.test('munmap, exit and exec of the last VMA release the lease at once', async (t) => {
  for (const end of ['A: munmap m', 'A: exit 0', 'A: execve']) {
    const r = runMd(PRE + `B: g = open "data" O_WRONLY\nB: write g "x"\n${end}\nB: fcntl g F_GETLEASE`, { sysctl: 'fs.lease-break-time=30' });
    t.equal(brief(r.results[5]), 'blocked', end);
    t.equal(r.late[5]?.ret, 1, `${end}: the breaker proceeds`);
    t.equal(r.final.inodes.get(2)!.leases.length, 0);
  }
});

t.test('fork and partial munmap share the lease: it goes with the last VMA', async (t) => {
  const r = runMd(PRE + 'A: fork C\nA: munmap m\nB: g = open "data" O_WRONLY\nB: write g "x"\nC: munmap m 0 4096\nA: expect-blocked B\nC: munmap m 4096 4096\nA: await B 1s', { sysctl: 'fs.lease-break-time=30' });
  t.same([5, 7, 8, 9, 10, 11].map((i) => brief(r.results[i])), [0, 'blocked', 0, 1, 0, 0]);
  t.equal(r.late[7]?.ret, 1);
});

t.test('a new lease is refused while one is being broken (EAGAIN)', async (t) => {
  const r = runMd(PRE + 'B: g = open "data" O_WRONLY\nB: write g "x"\nA: m2 = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_SETLEASE F_RDLCK', { sysctl: 'fs.lease-break-time=30' });
  t.same(r.results.slice(6).map(brief), ['E11', 'E11']);
});

t.test('time_out_leases never removes a layout lease; the revocation is a hidden step with uncertain timing', async (t) => {
  const r = runMd(PRE + 'B: g = open "data" O_WRONLY\nB: write g "x"', LBT1);
  const s = r.final;
  const inode = s.inodes.get(2)!;
  t.equal(inode.leases[0]!.unlockPending, true);
  timeOutLeases(s, inode, () => true);
  t.equal(inode.leases.length, 1, 'fl_break_time 0: time_out_leases leaves it');
  const at = inode.leases[0]!.breakAt!;
  const opts = withOptions({});
  t.same(mdHidden(s, opts).length, 1, 'before the deadline: no branch');
  s.clock = at;
  const both = mdHidden(s, opts);
  t.equal(both.length, 2, 'around the deadline: revoked or not yet');
  t.same(both.map((x) => x.md!.maps[1]!.valid), [true, false]);
  s.clock = at + 10 * opts.expirySlackMs + 1;
  const done = mdHidden(s, opts);
  t.equal(done.length, 1);
  t.equal(done[0]!.md!.maps[1]!.valid, false);
  t.equal(expiry(at, at, opts.expirySlackMs), 'maybe');
});
