// Write faults and the written-block map on the mapDirect profile
// (guest/patches/0002): a store that must allocate or convert a block of a
// file with MAP_DIRECT leases gets SIGBUS and starts the break; what makes
// a block written or frees it.
import t from 'tap';
import { runMd, brief, STOCK } from './fixtures/md-model.js';
import { isWritten, noteSize, notePunched, noteWritten } from '../../src/model/map-direct-blocks.js';

const HOLE = 'A: fork B\nA: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 4096\nA: ftruncate f 8192\n' +
  'B: g = open "data" O_RDWR\nB: n = mmap g 8192 PROT_READ|PROT_WRITE MAP_SHARED\n';
const DIRECT = 'A: m = mmap f 8192 PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE|MAP_DIRECT\n';

t.test('a store to a hole through any shared mapping breaks the leases and faults; written blocks and loads are fine', async (t) => {
  const r = runMd(HOLE + DIRECT + 'B: store n 0 0x62\nB: load n 4100\nB: store n 4096 0x63\nB: store n 4097 0x63', { sysctl: 'fs.lease-break-time=10' });
  t.same(r.results.slice(7).map(brief), [0, 0, 'SIGBUS/2@4096', 'SIGBUS/2@4097']);
  t.same(r.signals.map((x) => [x.proc, x.signo]), [['A', 29]], 'one break, one SIGIO');
  t.equal(r.final.inodes.get(2)!.leases[0]!.unlockPending, true);
  const s = runMd(HOLE + DIRECT + 'B: store n 4096 0x63', { profile: STOCK });
  t.same(s.results.slice(6).map(brief), ['E95', 0]);
});

t.test('the MAP_DIRECT mapping itself: stores to written blocks work, to holes SIGBUS', async (t) => {
  const r = runMd(HOLE + DIRECT + 'A: store m 10 0x7a\nA: pread f 1 10\nA: store m 5000 0x7a', { sysctl: 'fs.lease-break-time=10' });
  t.same(r.results.slice(7).map(brief), [0, 1, 'SIGBUS/2@5000']);
  t.equal((r.results[8] as { data?: string }).data, 'z');
});

t.test('fallocate leaves unwritten blocks: a store there converts, so it faults', async (t) => {
  const r = runMd('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 4096\nA: fallocate f 0 4096 4096\n' + DIRECT.replace('8192', '4096') +
    'A: fork B\nB: g = open "data" O_RDWR\nB: n = mmap g 8192 PROT_READ|PROT_WRITE MAP_SHARED\nB: store n 4100 0x63', { sysctl: 'fs.lease-break-time=10' });
  t.equal(brief(r.results[7]), 'SIGBUS/2@4100');
});

t.test('without a layout lease a store allocates the block; a later MAP_DIRECT store there is fine', async (t) => {
  const r = runMd(HOLE + 'B: store n 4096 0x63\n' + DIRECT + 'A: store m 4096 0x64', { sysctl: 'fs.lease-break-time=10' });
  t.same(r.results.slice(6).map(brief), [0, 0, 0]);
  t.equal(r.signals.length, 0);
});

t.test('private mappings copy on write: no allocation, no break', async (t) => {
  const r = runMd(HOLE + 'B: p = mmap g 8192 PROT_READ|PROT_WRITE MAP_PRIVATE\n' + DIRECT + 'B: store p 4096 0x63', { sysctl: 'fs.lease-break-time=10' });
  t.equal(brief(r.results[8]), 0);
  t.equal(r.signals.length, 0);
});

t.test('block bookkeeping: writes mark the blocks they touch; truncate and punch free whole blocks', async (t) => {
  const r = runMd('A: f = open "data" O_RDWR|O_CREAT 0644');
  const s = r.final;
  noteWritten(s, 2, 4000, 200); // blocks 0 and 1
  t.same([0, 1, 2].map((b) => isWritten(s, 2, b)), [true, true, false]);
  notePunched(s, 2, 100, 4096); // covers no whole block
  t.same([0, 1].map((b) => isWritten(s, 2, b)), [true, true]);
  notePunched(s, 2, 0, 4096); // block 0
  t.same([0, 1].map((b) => isWritten(s, 2, b)), [false, true]);
  noteSize(s, 2, 4097); // block 1 still holds byte 4096
  t.equal(isWritten(s, 2, 1), true);
  noteSize(s, 2, 4096);
  t.equal(isWritten(s, 2, 1), false);
  const stock = runMd('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f "x"', { profile: STOCK });
  t.equal(stock.final.md, undefined, 'no bookkeeping without the feature');
});

t.test('truncate frees blocks: after a shrink and regrow, the page is a hole again', async (t) => {
  const r = runMd('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: ftruncate f 4096\nA: ftruncate f 8192\n' + DIRECT + 'A: store m 0 0x7a\nA: store m 4096 0x7a', { sysctl: 'fs.lease-break-time=10' });
  t.same(r.results.slice(5).map(brief), [0, 'SIGBUS/2@4096']);
});
