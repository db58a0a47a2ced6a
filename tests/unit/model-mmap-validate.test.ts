import t from 'tap';
import { runModel, brief, GUESTS } from './fixtures/mm-model.js';

const OPEN = 'A: f = open "data" O_RDWR|O_CREAT 0644\nA: ftruncate f 4096\n';

t.test('MAP_SHARED_VALIDATE: unknown flag EOPNOTSUPP, MAP_SHARED ignores it (MS-01)', async (t) => {
  const r = runModel(OPEN + 'A: a = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|0x800000\nA: b = mmap f 4096 PROT_READ MAP_SHARED|0x800000');
  t.same(r.results.slice(2).map(brief), ['E95', 0]);
});

t.test('MAP_FIXED_NOREPLACE with MAP_SHARED_VALIDATE is EOPNOTSUPP on 6.1 (MS-02)', async (t) => {
  const r = runModel(OPEN + 'A: a = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_FIXED_NOREPLACE');
  t.equal(brief(r.results[2]!), 'E95');
});

t.test('anonymous: MAP_SHARED_VALIDATE EINVAL, no flag validation otherwise (MS-03)', async (t) => {
  const r = runModel('A: a = mmap anon 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_ANONYMOUS\nA: b = mmap anon 4096 PROT_READ MAP_PRIVATE|MAP_ANONYMOUS|0x800000\nA: c = mmap anon 4096 PROT_READ MAP_SHARED|MAP_ANONYMOUS|MAP_SYNC');
  t.same(r.results.map(brief), ['E22', 0, 0]);
});

t.test('check order: EOPNOTSUPP before EACCES before ->mmap (MS-10)', async (t) => {
  const r = runModel('A: w = open "data" O_WRONLY|O_CREAT 0644\nA: ftruncate w 4096\nA: f = open "data" O_RDONLY\n' +
    'A: a = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|0x800000\nA: b = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_SYNC\n' +
    'A: c = mmap w 4096 PROT_READ MAP_PRIVATE\nA: d = mmap f 4096 PROT_READ|PROT_WRITE MAP_PRIVATE', { pmem: 'virtio', fs: 'ext4', dax: 'never' });
  t.same(r.results.slice(3).map(brief), ['E95', 'E13', 'E13', 0]);
});

t.test('offset alignment before EBADF; O_PATH is EBADF; length 0 EINVAL; directory ENODEV', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: close f\nA: a = mmap stale:f 4096 PROT_READ MAP_SHARED 100\nA: b = mmap stale:f 4096 PROT_READ MAP_SHARED\n' +
    'A: p = open "data" O_PATH\nA: c = mmap p 4096 PROT_READ MAP_SHARED\nA: g = open "data" O_RDWR\nA: d = mmap g 0 PROT_READ MAP_SHARED\n' +
    'A: mkdir "d"\nA: h = open "d" O_RDONLY|O_DIRECTORY\nA: e = mmap h 4096 PROT_READ MAP_SHARED\nA: x = mmap h 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_SYNC');
  t.same([2, 3, 5, 7, 10, 11].map((i) => brief(r.results[i]!)), ['E22', 'E9', 'E9', 'E22', 'E19', 'E95']);
});

t.test('MAP_SYNC outcome is derived from the guest: S_DAX and a synchronous device (MS-04, MS-07)', async (t) => {
  for (const g of GUESTS) {
    const r = runModel(OPEN + 'A: a = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_SYNC\nA: b = mmap f 4096 PROT_READ MAP_SHARED|MAP_SYNC\nA: c = mmap f 4096 PROT_READ MAP_PRIVATE|MAP_SYNC', g);
    const want = g.dax === 'always' && g.pmem !== 'virtio' ? 0 : 'E95';
    t.same(r.results.slice(2).map(brief), [want, want, want], `${g.pmem}/${g.fs}/${g.dax}`);
  }
});
