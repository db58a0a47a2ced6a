import t from 'tap';
import { run, rets, sc } from './fixtures/lease-model.js';

const HDR = `process A
A: w = open "data" O_WRONLY|O_CREAT 0644
A: close w
A: f = open "data" O_RDONLY
`;

t.test('F_SETLEASE by a non-owner without CAP_LEASE: EACCES for F_RDLCK and F_UNLCK, after the arg check', async (t) => {
  const r = run(sc(`${HDR}A: fork B
B: setuid 65534
B: fcntl f F_SETLEASE F_RDLCK
B: fcntl f F_SETLEASE 7
A: fcntl f F_SETLEASE F_RDLCK
B: fcntl f F_SETLEASE F_UNLCK
B: fcntl f F_GETLEASE
`));
  t.same(rets(r).slice(4), [0, 'errno 13', 'errno 22', 0, 'errno 13', 0], 'EACCES; a bad arg is EINVAL first (lease_alloc); F_UNLCK EACCES; F_GETLEASE free');
});

t.test('setuid: a non-root caller gets EPERM (setgroups needs CAP_SETGID); fork copies the uid', async (t) => {
  const r = run(sc(`process A
A: setuid 65534
A: fork B
B: setuid 0
B: setuid 65534
`));
  t.same(rets(r).filter((_, i) => i !== 1), [0, 'errno 1', 'errno 1']);
  t.equal(r.final.procs[1]!.uid, 65534);
});

t.test('DAC for a non-root process: write open of a 0644 root file is EACCES and breaks nothing', async (t) => {
  const r = run(sc(`sysctl fs.lease-break-time=2
${HDR}A: fcntl f F_SETLEASE F_RDLCK
A: fork B
B: setuid 65534
B: g = open "data" O_WRONLY|O_NONBLOCK
B: truncate "data" 0
B: r = open "data" O_RDONLY
B: c = open "new" O_RDWR|O_CREAT 0644
`));
  t.same(rets(r).slice(6), ['errno 13', 'errno 13', 4, 'errno 13']);
  t.equal(r.signals.length, 0, 'no lease break, no SIGIO');
});

t.test('sigio_perm: owner set by uid 65534 cannot signal root; set by root can signal anyone', async (t) => {
  const base = (who: string, owner: string) => sc(`sysctl fs.lease-break-time=2
${HDR}A: fork B
B: setuid 65534
${who}: fcntl f F_SETOWN ${owner}
A: fcntl f F_SETLEASE F_RDLCK
A: fork C
C: close f
C: g = open "data" O_WRONLY|O_NONBLOCK
`);
  t.same(run(base('B', 'A')).signals, [], 'non-root owner naming root: nothing sent');
  t.same(run(base('A', 'B')).signals.map((x) => x.proc), ['B'], 'root-set owner reaches the non-root B');
  t.same(run(base('B', 'B')).signals.map((x) => x.proc), ['B'], 'same uid passes');
});

t.test('non-root semantics the model lacks are not-modelled; creation in 0755 dirs is EACCES', async (t) => {
  t.throws(() => run(sc(`process A
A: setuid 65534
A: unlink "x"
`)), { message: 'not modelled: unlink by a non-root process' });
  const r = run(sc(`process A
A: mkdir "d" 0777
A: setuid 65534
A: c = open "d/new" O_RDWR|O_CREAT 0644
`));
  t.same(rets(r), [0, 0, 'errno 13'], 'mkdir 0777 gives 0755 (umask 022): no write for others');
});

t.test('the lease records which fd table registered its fasync entry', async (t) => {
  const r = run(sc(`${HDR}A: fork B
B: g = dup f
B: fcntl g F_SETLEASE F_RDLCK
`));
  const l = [...r.final.inodes.values()].flatMap((i) => i.leases)[0]!;
  t.equal(l.faFd, 4);
  t.equal(l.faProc, 'B');
});
