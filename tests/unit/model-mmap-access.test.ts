import t from 'tap';
import { runModel, brief } from './fixtures/mm-model.js';

t.test('shared stores reach the file; loads see pwrite; i_size unchanged', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f "hello"\nA: m = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED\nA: store m 1 0x4a\nA: pread f 5 0\nA: pwrite f "Q" 3\nA: load m 3\nA: statx f');
  t.equal(r.results[4]!.data, 'hJllo');
  t.equal(r.results[6]!.ret, 0x51);
  t.equal(r.results[7]!.statx?.size, 5);
});

t.test('past-EOF page SIGBUS, rest of the EOF page zeros and takes stores', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x41 100\nA: m = mmap f 8192 PROT_READ|PROT_WRITE MAP_SHARED\nA: load m 4096\nA: store m 5000 1\nA: load m 200\nA: store m 200 0x55\nA: load m 200\nA: statx f');
  t.same(r.results.slice(3, 8).map(brief), ['SIGBUS/2@4096', 'SIGBUS/2@5000', 0, 0, 0x55]);
  t.equal(r.results[8]!.statx?.size, 100);
});

t.test('truncate unmaps pages past EOF, private copies included; punch keeps private copies', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: p = mmap f 8192 PROT_READ|PROT_WRITE MAP_PRIVATE\nA: s = mmap f 8192 PROT_READ MAP_SHARED\n' +
    'A: store p 200 0x71\nA: store p 4100 0x72\nA: fallocate f FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE 0 8192\nA: load p 200\nA: load s 200\nA: ftruncate f 100\nA: load p 4100\nA: load p 200\nA: load s 150');
  t.same(r.results.slice(7).map(brief), [0x71, 0, 0, 'SIGBUS/2@4100', 0x71, 0]);
});

t.test('protection and unmapped faults', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 8192\nA: r = mmap f 8192 PROT_READ MAP_SHARED\nA: store r 10 1\nA: n = mmap f 4096 PROT_NONE MAP_SHARED\nA: load n 0\n' +
    'A: munmap r 100 4096\nA: munmap r 0 4096\nA: load r 0\nA: load r 4100\nA: msync r MS_SYNC\nA: msync n MS_SYNC|MS_ASYNC');
  t.same(r.results.slice(3).map(brief), ['SIGSEGV/2@10', 0, 'SIGSEGV/2@0', 'E22', 0, 'SIGSEGV/1@0', 0x61, 'E12', 'E22']);
});

t.test('loads and stores never change the file table or emit events; a mapping holds the file', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 4096\nA: m = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED\nA: close f\nA: unlink "data"\nA: load m 7\nA: store m 7 0x62\nA: load m 7');
  t.same(r.results.slice(5).map(brief), [0x61, 0, 0x62]);
  const files = [...r.final.files.values()].filter((x) => x.kind === 'reg');
  t.equal(files.length, 1, 'the mapping keeps the struct file');
  t.equal(files[0]!.refs, 1);
  t.equal(r.final.fan, undefined, 'no fanotify state touched');
});

t.test('fork copies mappings (shared page shared, private anon copied); munmap of the last drops the file', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x61 4096\nA: m = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED\nA: p = mmap anon 4096 PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS\nA: close f\nA: fork B\n' +
    'B: store m 9 0x42\nB: store p 0 0x20\nA: load m 9\nA: load p 0\nA: munmap m\nB: load m 9\nB: munmap m\nB: exit 0');
  t.same(r.results.slice(8, 12).map(brief), [0x42, 0, 0, 0x42]);
  t.equal([...r.final.files.values()].filter((x) => x.kind === 'reg').length, 0, 'last munmap released the file');
});

t.test('execve and exit tear mappings down (file reference dropped)', async (t) => {
  const r = runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: m = mmap anon 4096 PROT_READ MAP_PRIVATE|MAP_ANONYMOUS\nA: g = mmap f 4096 PROT_READ MAP_SHARED\nA: close f\nA: execve');
  t.equal([...r.final.files.values()].filter((x) => x.kind === 'reg').length, 0);
  t.same(r.final.mm?.procs['A'], undefined);
});

t.test('growing a file over bytes stored past EOF is not modelled (fs specific)', async (t) => {
  t.throws(() => runModel('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x41 100\nA: m = mmap f 4096 PROT_READ|PROT_WRITE MAP_SHARED\nA: store m 200 1\nA: ftruncate f 4096'), /not modelled/);
});
