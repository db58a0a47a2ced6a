import t from 'tap';
import { checkTrace, formatVerdict } from '../../src/check/index.js';
import type { Observation } from '../../src/trace/types.js';
import { scenario } from './fixtures/mm-model.js';

const stock = { name: 'stock', version: '6.1.192', features: {} };

/** A trace of process A only: each entry is one step's done line (extra fields merged). */
function trace(n: number, dones: [number, number, Record<string, unknown>?][]): Observation[] {
  let t = 0;
  const o = (x: Record<string, unknown>) => ({ scenario: 0, t: (t += 100), ...x }) as unknown as Observation;
  const obs = [o({ kind: 'scenario-start', name: 'unit', dir: '/mnt/pmem/vfslab/s-0', settleMs: 50, watchdogMs: 5000 }), o({ kind: 'process', proc: 'A', pid: 500, pgid: 500, parent: null, seq: -1 })];
  dones.forEach(([ret, errno, extra], seq) => obs.push(o({ kind: 'done', seq, proc: 'A', pid: 500, op: 'x', ret, errno, errname: null, late: false, ...extra })));
  if (dones.length !== n) throw new Error('trace length');
  obs.push(o({ kind: 'exit', proc: 'A', pid: 500, status: null, signo: 9, core: false, teardown: true, atStep: n - 1 }));
  obs.push(o({ kind: 'scenario-end', name: 'unit', status: 'ok', steps: n }));
  return obs;
}

const statx = (attributes: number) => ({ statx: { mask: 0x7ff, attributes, attributesMask: 0x200000 | 0x1000, mode: 0o100644, nlink: 1, uid: 0, gid: 0, ino: 12, size: 4096, blocks: 8, blksize: 4096, devMajor: 259, devMinor: 0 } });

t.test('SIGBUS past EOF: the fault outcome, si_code and offset are checked', async (t) => {
  const sc = scenario('A: f = open "data" O_RDWR|O_CREAT 0644\nA: write f fill 0x41 100\nA: m = mmap f 8192 PROT_READ MAP_SHARED\nA: load m 4096\nA: load m 10');
  const good = (fault: Record<string, unknown>) => trace(5, [[3, 0], [100, 0], [0, 0], [-1, 0, fault], [0x41, 0, { outcome: 'ok', data: '41' }]]);
  const v = checkTrace(sc, stock, good({ outcome: 'SIGBUS', fault: { signo: 7, code: 2, offset: 4096 } }));
  t.equal(v.kind, 'pass', formatVerdict(v));
  const w = checkTrace(sc, stock, good({ outcome: 'SIGSEGV', fault: { signo: 11, code: 1, offset: 4096 } }));
  t.equal(w.kind, 'diverged');
  if (w.kind === 'diverged') {
    t.match(w.divergence.seen, /memory access SIGSEGV instead of SIGBUS/);
    t.match(formatVerdict(w), /SIGBUS BUS_ADRERR/);
  }
  const x = checkTrace(sc, stock, good({ outcome: 'SIGBUS', fault: { signo: 7, code: 2, offset: 4097 } }));
  t.equal(x.kind, 'diverged', 'a wrong fault offset is caught');
  const y = checkTrace(sc, stock, trace(5, [[3, 0], [100, 0], [0, 0], [0x41, 0, { outcome: 'ok', data: '00' }], [0x41, 0, { outcome: 'ok', data: '41' }]]));
  t.equal(y.kind, 'diverged', 'a load that should fault but did not is caught');
});

t.test('MAP_SYNC and STATX_ATTR_DAX are judged per guest facts', async (t) => {
  const sc = scenario('A: f = open "data" O_RDWR|O_CREAT 0644\nA: ftruncate f 4096\nA: m = mmap f 4096 PROT_READ MAP_SHARED_VALIDATE|MAP_SYNC\nA: statx f');
  const synced = trace(4, [[3, 0], [0, 0], [0, 0], [0, 0, statx(0x200000)]]);
  const refused = trace(4, [[3, 0], [0, 0], [-1, 95], [0, 0, statx(0x200000)]]);
  const nodax = trace(4, [[3, 0], [0, 0], [-1, 95], [0, 0, statx(0)]]);
  const g = (pmem: string, dax: string) => ({ guest: { pmem, fs: 'ext4', dax } });
  t.equal(checkTrace(sc, stock, synced, g('nvdimm', 'always')).kind, 'pass');
  t.equal(checkTrace(sc, stock, refused, g('virtio', 'always')).kind, 'pass');
  t.equal(checkTrace(sc, stock, nodax, g('memmap', 'never')).kind, 'pass');
  t.equal(checkTrace(sc, stock, synced, g('virtio', 'always')).kind, 'diverged', 'MAP_SYNC on virtio-pmem must fail');
  t.equal(checkTrace(sc, stock, refused, g('nvdimm', 'always')).kind, 'diverged', 'MAP_SYNC on nvdimm dax=always must work');
  const v = checkTrace(sc, stock, refused, g('memmap', 'never'));
  t.equal(v.kind, 'diverged', 'a DAX attribute with dax=never is caught');
  if (v.kind === 'diverged') t.match(v.divergence.seen, /stx_attributes & 0x200000 = 0x200000 instead of 0x0/);
});
