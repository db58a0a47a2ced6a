// The runner on this host: the fionread and poll ops (guest/probes/runner/
// fdquery.c). A fanotify group's FIONREAD is its queued bytes, poll's ret
// is revents, and a bad fd gives EBADF / POLLNVAL.
import t from 'tap';
import { O, done, name, open, run, scen } from './fixtures/runner.js';

const FAN_NONBLOCK = 0x2;
const FAN_OPEN = 0x20;
const s = scen('fdquery', [
  ['l', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['l', { kind: 'write', fd: name('f'), data: { kind: 'text', text: 'hello' } }], // 1
  ['l', { kind: 'fanotify_init', result: 'g', flags: FAN_NONBLOCK, eventFlags: O.RDONLY }], // 2
  ['l', { kind: 'fionread', fd: name('g') }], // 3
  ['l', { kind: 'poll', fd: name('g'), timeoutMs: 0 }], // 4
  ['l', { kind: 'fanotify_mark', fd: name('g'), flags: 1, mask: FAN_OPEN, dir: { kind: 'cwd' }, path: 'file' }], // 5
  ['l', { kind: 'fork', child: 'o' }], // 6
  ['o', open('x', 'file', O.RDONLY)], // 7
  ['l', { kind: 'fionread', fd: name('g') }], // 8
  ['l', { kind: 'poll', fd: name('g'), timeoutMs: 1000 }], // 9
  ['l', { kind: 'fionread', fd: name('f') }], // 10: at EOF
  ['l', { kind: 'lseek', fd: name('f'), offset: 1, whence: 0 }], // 11
  ['l', { kind: 'fionread', fd: name('f') }], // 12
  ['l', { kind: 'poll', fd: name('f'), timeoutMs: 0 }], // 13
  ['l', { kind: 'close', fd: name('f') }], // 14
  ['l', { kind: 'fionread', fd: { kind: 'name', name: 'f', stale: true } }], // 15
  ['l', { kind: 'poll', fd: { kind: 'name', name: 'f', stale: true }, timeoutMs: 0 }], // 16
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.match(done(obs, 3), { ret: 0, errno: 0 }, 'empty group');
t.match(done(obs, 4), { ret: 0, errno: 0 }, 'nothing to read');
t.match(done(obs, 8), { ret: 24, errno: 0 }, 'one fd-mode event');
t.match(done(obs, 9), { ret: 0x41, errno: 0, late: false }, 'POLLIN|POLLRDNORM at once');
t.match(done(obs, 10), { ret: 0, errno: 0 });
t.match(done(obs, 12), { ret: 4, errno: 0 }, 'i_size - f_pos');
t.match(done(obs, 13), { ret: 0x145, errno: 0 }, 'DEFAULT_POLLMASK');
t.match(done(obs, 15), { ret: -1, errname: 'EBADF' });
t.match(done(obs, 16), { ret: 0x20, errno: 0 }, 'POLLNVAL');
t.notOk(obs.some((o) => o.kind === 'infra'));
