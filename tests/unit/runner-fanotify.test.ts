// The runner on this host: a fanotify permission event. The opener is
// reported blocked (the runner itself never opens marked files), the event
// is decoded with its fd bound to a name, and the response releases the
// opener.
import t from 'tap';
import { O, done, name, open, run, scen } from './fixtures/runner.js';

const FAN_CLASS_CONTENT = 0x4;
const FAN_OPEN_PERM = 0x10000;
const FAN_CLOSE_NOWRITE = 0x10;
const FAN_ALLOW = 1;
const FAN_DENY = 2;
const s = scen('fanotify-perm', [
  ['l', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['l', { kind: 'close', fd: name('f') }], // 1
  ['l', { kind: 'fanotify_init', result: 'g', flags: FAN_CLASS_CONTENT, eventFlags: O.RDONLY }], // 2
  [
    'l',
    { kind: 'fanotify_mark', fd: name('g'), flags: 1, mask: FAN_OPEN_PERM | FAN_CLOSE_NOWRITE, dir: { kind: 'cwd' }, path: 'file' },
  ], // 3
  ['l', { kind: 'fork', child: 'o' }], // 4
  ['o', open('x', 'file', O.RDONLY)], // 5: waits for the listener
  ['l', { kind: 'fanotify_read', fd: name('g'), count: 4096, results: ['e1'] }], // 6
  ['l', { kind: 'fanotify_response', fd: name('g'), eventFd: name('e1'), response: FAN_ALLOW }], // 7
  ['l', { kind: 'await', proc: 'o', timeoutMs: 2000 }], // 8
  ['o', { kind: 'close', fd: name('x') }], // 9
  ['l', { kind: 'close', fd: name('e1') }], // 10
  ['l', { kind: 'fanotify_read', fd: name('g'), count: 4096, results: ['e2'] }], // 11
  ['o', open('y', 'file', O.RDONLY)], // 12
  ['l', { kind: 'fanotify_read', fd: name('g'), count: 4096, results: ['e3'] }], // 13
  ['l', { kind: 'fanotify_response', fd: name('g'), eventFd: name('e3'), response: FAN_DENY }], // 14
  ['l', { kind: 'await', proc: 'o', timeoutMs: 2000 }], // 15
  ['l', { kind: 'readlink_fd', fd: name('g') }], // 16
]);

const r = run([s]);
const obs = r.trace.observations;
t.equal(r.code, 0);
t.ok(obs.some((o) => o.kind === 'blocked' && o.seq === 5), 'the opener is blocked on the permission event');
const ev = done(obs, 6)?.events?.[0];
t.match(ev, { mask: FAN_OPEN_PERM, fd: 4, pidProc: 'o', name: 'e1', offset: 0, vers: 3, eventLen: 24 }, 'decoded event');
t.match(ev?.path, /\/file$/, 'event fd path');
t.equal(ev!.flags! & 3, O.RDONLY, 'event fd flags');
t.equal(done(obs, 7)?.ret, 8, 'response write returns 8');
t.match(done(obs, 5, true), { ret: 4, late: true }, 'ALLOW releases the open (fd 3 is the inherited group)');
t.match(done(obs, 11)?.events?.[0], { mask: FAN_CLOSE_NOWRITE, fd: 4, name: 'e2', pidProc: 'o' }, 'close event, fd number reused');
t.match(done(obs, 12, true), { ret: -1, errname: 'EPERM', late: true }, 'DENY fails the open with EPERM');
t.equal(done(obs, 16)?.link, 'anon_inode:[fanotify]');
t.notOk(obs.some((o) => o.kind === 'infra'));
