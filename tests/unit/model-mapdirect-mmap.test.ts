// mmap(MAP_DIRECT) outcomes by profile and guest (guest/patches/0002,
// docs/patches.md "0002 mapDirect"): stock refuses the unknown flag; the
// mapDirect profile takes a layout lease on DAX files.
import t from 'tap';
import { runMd, brief, MD, STOCK, type Guest } from './fixtures/md-model.js';

const OPEN = 'A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\n';
const GUESTS: Guest[] = ['nvdimm', 'memmap', 'virtio'].flatMap((pmem) =>
  ['ext4', 'xfs'].flatMap((fs) => ['always', 'inode', 'never'].map((dax) => ({ pmem, fs, dax }))));

t.test('stock: MAP_SHARED_VALIDATE|MAP_DIRECT is EOPNOTSUPP, MAP_SHARED and MAP_PRIVATE ignore it', async (t) => {
  const r = runMd(OPEN + 'A: a = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: b = mmap f 4096 PROT_READ MAP_SHARED|MAP_DIRECT\nA: c = mmap f 4096 PROT_READ MAP_PRIVATE|MAP_DIRECT\nA: fcntl f F_GETFL', { profile: STOCK });
  t.same(r.results.slice(2).map(brief), ['E95', 0, 0, 0x8002]);
  t.equal(r.final.inodes.get(2)!.leases.length, 0);
});

t.test('mapDirect: a DAX file gets an FL_LAYOUT lease: O_ASYNC, owner, F_GETLEASE F_RDLCK', async (t) => {
  const r = runMd(OPEN + 'A: m = mmap f 8192 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_GETFL\nA: fcntl f F_GETOWN\nA: fcntl f F_GETLEASE');
  t.same(r.results.slice(2).map(brief), [0, 0x8002 | 0x2000, 0, 0]);
  t.same((r.results[4] as { retPid?: unknown }).retPid, { proc: 'A', pgrp: false }, 'F_GETOWN is A');
  const l = r.final.inodes.get(2)!.leases;
  t.equal(l.length, 1);
  t.equal(l[0]!.layout, 1);
  t.equal(l[0]!.faFd, -1);
  t.same(r.final.md!.maps[1], { file: 2, ino: 2, valid: true });
});

t.test('mapDirect: only S_DAX inodes; others EPERM (after MAP_SYNC\'s EOPNOTSUPP)', async (t) => {
  for (const g of GUESTS) {
    const r = runMd(OPEN + 'A: a = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: b = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT|MAP_SYNC', { guest: g });
    const dax = g.dax === 'always';
    const sync = dax && g.pmem !== 'virtio';
    t.same(r.results.slice(2).map(brief), [dax ? 0 : 'E1', sync ? 0 : dax ? 'E95' : 'E95'], `${g.pmem}/${g.fs}/${g.dax}`);
  }
});

t.test('mapDirect: MAP_PRIVATE|MAP_DIRECT is EINVAL before EACCES, on any inode; anonymous ignores the flag', async (t) => {
  for (const dax of ['always', 'never']) {
    const r = runMd('A: w = open "data" O_WRONLY|O_CREAT 0644\nA: write w fill 0x61 4096\nA: a = mmap w 4096 PROT_READ MAP_PRIVATE|MAP_DIRECT\n' +
      'A: b = mmap anon 4096 PROT_READ MAP_PRIVATE|MAP_ANONYMOUS|MAP_DIRECT\nA: c = mmap anon 4096 PROT_READ MAP_SHARED|MAP_ANONYMOUS|MAP_DIRECT', { guest: { pmem: 'nvdimm', fs: 'xfs', dax } });
    t.same(r.results.slice(2).map(brief), ['E22', 0, 0], dax);
  }
  const s = runMd('A: w = open "data" O_WRONLY|O_CREAT 0644\nA: write w fill 0x61 4096\nA: a = mmap w 4096 PROT_READ MAP_PRIVATE|MAP_DIRECT', { profile: STOCK });
  t.equal(brief(s.results[2]), 'E13');
});

t.test('mapDirect: flag check before the access checks; directories EOPNOTSUPP on both profiles', async (t) => {
  const body = 'A: w = open "data" O_WRONLY|O_CREAT 0644\nA: write w fill 0x61 4096\nA: f = open "data" O_RDONLY\n' +
    'A: a = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_DIRECT\nA: b = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\n' +
    'A: mkdir "d"\nA: d = open "d" O_RDONLY|O_DIRECTORY\nA: c = mmap d 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT';
  t.same([3, 4, 7].map((i) => brief(runMd(body).results[i])), ['E13', 0, 'E95']);
  t.same([3, 4, 7].map((i) => brief(runMd(body, { profile: STOCK }).results[i])), ['E95', 'E95', 'E95']);
});

t.test('mapDirect: the lease needs ownership or CAP_LEASE (EACCES), leases-enable (EINVAL)', async (t) => {
  const r = runMd(OPEN + 'A: fork B\nB: setuid 65534\nB: g = open "data" O_RDONLY\nB: m = mmap g 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT');
  t.equal(brief(r.results[5]), 'E13');
  const s = runMd(OPEN + 'A: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_GETFL', { sysctl: 'fs.leases-enable=0' });
  t.same(s.results.slice(2).map(brief), ['E22', 0x8002]);
});

t.test('mapDirect: the owner is set only if unset (F_SETOWN first wins)', async (t) => {
  const r = runMd(OPEN + 'A: fork C\nA: fcntl f F_SETOWN C\nA: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_GETOWN');
  t.same((r.results[5] as { retPid?: unknown }).retPid, { proc: 'C', pgrp: false });
});

t.test('mapDirect: F_SETLEASE sees the layout lease as another lease; open(O_WRONLY) does not break it', async (t) => {
  const r = runMd(OPEN + 'A: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_SETLEASE F_WRLCK\nA: fcntl f F_SETLEASE F_UNLCK\nA: fork B\nB: g = open "data" O_WRONLY|O_NONBLOCK\nA: fcntl f F_GETLEASE', { sysctl: 'fs.lease-break-time=1' });
  t.same(r.results.slice(2).map(brief), [0, 'E11', 'E11', 2, 4, 0]);
  t.equal(r.signals.length, 0);
  const s = runMd(OPEN + 'A: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_SETLEASE F_WRLCK', { profile: STOCK });
  t.same(s.results.slice(2).map(brief), ['E95', 0]);
});

t.test('mapDirect: a read lease coexists; breaking it leaves the layout lease', async (t) => {
  const r = runMd('A: w = open "data" O_WRONLY|O_CREAT 0644\nA: write w fill 0x61 4096\nA: close w\nA: f = open "data" O_RDONLY\n' +
    'A: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_DIRECT\nA: fcntl f F_SETLEASE F_RDLCK\nA: fork B\nB: g = open "data" O_WRONLY|O_NONBLOCK\nA: fcntl f F_SETLEASE F_UNLCK\nA: fcntl f F_GETLEASE', { sysctl: 'fs.lease-break-time=10' });
  t.same(r.results.slice(4).map(brief), [0, 0, 2, 'E11', 0, 0]);
  t.equal(r.signals.length, 1, 'one SIGIO: the F_SETLEASE lease');
  t.equal(r.final.inodes.get(2)!.leases.filter((l) => l.layout !== undefined).length, 1);
});

t.test('profile feature gates everything: the MD profile object is what turns it on', async (t) => {
  t.equal(MD.features['mapDirect'], true);
  t.equal(STOCK.features['mapDirect'], undefined);
});
