// The runner on this host: loads and stores through a mapping, with SIGBUS
// beyond EOF and SIGSEGV after munmap as outcomes, not crashes.
import t from 'tap';
import { O, done, name, open, run, scen } from './fixtures/runner.js';

const PROT_RW = 3;
const MAP_SHARED = 1;
const s = scen('mem', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['a', { kind: 'ftruncate', fd: name('f'), length: 100 }], // 1
  ['a', { kind: 'mmap', map: 'm', fd: name('f'), length: 8192, prot: PROT_RW, flags: MAP_SHARED, offset: 0 }], // 2
  ['a', { kind: 'store', map: 'm', offset: 10, value: 0x41 }], // 3
  ['a', { kind: 'load', map: 'm', offset: 10 }], // 4
  ['a', { kind: 'load', map: 'm', offset: 4096 }], // 5: beyond EOF, past the last page
  ['a', { kind: 'pread', fd: name('f'), count: 11, offset: 0 }], // 6
  ['a', { kind: 'munmap', map: 'm', offset: 0, length: null }], // 7
  ['a', { kind: 'store', map: 'm', offset: 0, value: 1 }], // 8
  ['a', { kind: 'mmap', map: 'bad', fd: name('f'), length: 4096, prot: PROT_RW, flags: 3 | 0x80000, offset: 0 }], // 9
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.match(done(obs, 2), { ret: 0, addr: /^0x/ });
t.match(done(obs, 3), { ret: 0, outcome: 'ok' });
t.match(done(obs, 4), { ret: 0x41, outcome: 'ok', data: '41', text: 'A' });
t.match(done(obs, 5), { ret: -1, outcome: 'SIGBUS', fault: { signo: 7, offset: 4096 } }, 'SIGBUS beyond EOF');
t.equal(done(obs, 6)?.data, '0000000000000000000041', 'the store reached the file');
t.match(done(obs, 8), { outcome: 'SIGSEGV', fault: { signo: 11 } }, 'SIGSEGV after munmap');
t.match(done(obs, 9), { ret: -1, errname: 'EOPNOTSUPP' }, 'MAP_SYNC on a non-DAX file');
t.notOk(obs.some((o) => o.kind === 'infra'), 'no infra errors');
