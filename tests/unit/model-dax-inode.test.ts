import t from 'tap';
import { runModel, GUESTS } from './fixtures/mm-model.js';
import type { StepResult } from '../../src/model/state.js';

const dax = (r: StepResult): number | undefined => r.statx?.attrs?.set;

t.test('statx: STATX_ATTR_DAX always in the mask, set iff S_DAX (files only)', async (t) => {
  for (const g of GUESTS) {
    const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: statx f\nA: mkdir "d"\nA: statx "d"', g);
    t.equal(r.results[1]!.statx?.attrs?.mask, 0x200000);
    t.equal(dax(r.results[1]!), g.dax === 'always' ? 0x200000 : 0, `${g.pmem}/${g.fs}/${g.dax}`);
    t.equal(dax(r.results[3]!), 0);
  }
});

t.test('FS_XFLAG_DAX on an open file: stored now, S_DAX after the last close (dax=inode only)', async (t) => {
  for (const mode of ['always', 'inode', 'never']) {
    const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: fssetxattr f FS_XFLAG_DAX\nA: fsgetxattr f\nA: statx f\nA: close f\nA: statx "data"', { pmem: 'nvdimm', fs: 'xfs', dax: mode });
    t.equal(r.results[2]!.ret, 0x8000);
    const before = mode === 'always' ? 0x200000 : 0;
    const after = mode === 'never' ? 0 : 0x200000;
    t.same([dax(r.results[3]!), dax(r.results[5]!)], [before, after], mode);
  }
});

t.test('a mapping pins the I_DONTCACHE inode until munmap', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: ftruncate f 4096\nA: m = mmap f 4096 PROT_READ MAP_SHARED\nA: fssetxattr f FS_XFLAG_DAX\nA: close f\nA: statx "data"\nA: munmap m\nA: statx "data"', { pmem: 'memmap', fs: 'ext4', dax: 'inode' });
  t.same([dax(r.results[5]!), dax(r.results[7]!)], [0, 0x200000]);
});

t.test('directory flag is inherited by new children only; MAP_SYNC follows', async (t) => {
  for (const pmem of ['nvdimm', 'virtio']) {
    const r = runModel('A: mkdir "d"\nA: o = open "d/old" O_RDWR|O_CREAT 0644\nA: d = open "d" O_RDONLY|O_DIRECTORY\nA: fssetxattr d FS_XFLAG_DAX\nA: n = open "d/new" O_RDWR|O_CREAT 0644\nA: fsgetxattr n\nA: fsgetxattr o\nA: statx n\nA: ftruncate n 4096\nA: m = mmap n 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_SYNC', { pmem, fs: 'ext4', dax: 'inode' });
    t.same([r.results[5]!.ret, r.results[6]!.ret, dax(r.results[7]!)], [0x8000, 0, 0x200000]);
    t.equal(r.results[9]!.errno, pmem === 'virtio' ? 95 : 0, pmem);
  }
});

t.test('other xflags are not modelled', async (t) => {
  t.throws(() => runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: fssetxattr f FS_XFLAG_NOATIME'), /not modelled/);
});
