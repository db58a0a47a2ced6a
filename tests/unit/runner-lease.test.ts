// The runner on this host: a lease break is observed as a signal with si_fd
// (F_SETSIG) or SI_KERNEL (default SIGIO); the breaker's open is reported
// blocked, then done (late) once the holder unlocks. The scenario's sysctl
// (a short lease-break-time) is restored after it.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { SignalSeen } from '../../src/trace/types.js';
import { F, O, done, kinds, name, open, run, scen } from './fixtures/runner.js';

const breakTimePath = '/proc/sys/fs/lease-break-time';
const before = readFileSync(breakTimePath, 'utf8');
const RT = 40;

const setsig = scen(
  'lease-setsig',
  [
    ['holder', open('f', 'file', O.RDWR | O.CREAT)], // 0
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETSIG, arg: { kind: 'int', value: RT } }], // 1
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.WRLCK } }], // 2
    ['holder', { kind: 'fork', child: 'breaker' }], // 3
    ['breaker', open('r', 'file', O.RDONLY)], // 4: blocks on the lease
    ['holder', { kind: 'wait_signal', signo: RT, timeoutMs: 1000 }], // 5
    ['breaker', { kind: 'expect_blocked', proc: 'breaker' }], // 6
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.GETLEASE, arg: { kind: 'none' } }], // 7
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.UNLCK } }], // 8
    ['holder', { kind: 'await', proc: 'breaker', timeoutMs: 2000 }], // 9
    ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.GETSIG, arg: { kind: 'none' } }], // 10
  ],
  [{ name: 'fs.lease-break-time', value: 5 }],
);

const plain = scen('lease-sigio', [
  ['holder', open('f', 'file', O.RDONLY | O.CREAT)], // 0
  ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.SETLEASE, arg: { kind: 'int', value: F.RDLCK } }], // 1
  ['holder', { kind: 'fcntl', fd: name('f'), cmd: F.GETOWN, arg: { kind: 'none' } }], // 2
  ['holder', { kind: 'fork', child: 'w' }], // 3
  ['w', open('x', 'file', O.WRONLY | O.NONBLOCK)], // 4: EAGAIN, but the break starts
  ['holder', { kind: 'wait_signal', signo: null, timeoutMs: 1000 }], // 5
]);

const r = run([setsig, plain]);
const obs = r.trace.scenarios[0]!.observations;

t.equal(r.code, 0, 'both scenarios ran');
t.equal(readFileSync(breakTimePath, 'utf8'), before, 'lease-break-time restored after the scenario');
t.equal(done(obs, 2)?.ret, 0, 'write lease taken');
t.equal(done(obs, 4), undefined, 'the breaker is not done at once');
t.ok(obs.some((o) => o.kind === 'blocked' && o.seq === 4 && o.proc === 'breaker'), 'breaker reported blocked');
const sig = obs.find((o): o is SignalSeen => o.kind === 'signal');
t.match(sig, { proc: 'holder', signo: RT, code: 3, fd: 3, band: 0x441 }, 'F_SETSIG signal: POLL_MSG, si_fd, si_band');
t.equal(done(obs, 5)?.ret, RT, 'wait_signal returns the signal number');
t.match(done(obs, 6), { ret: 1, blockedSeq: 4 }, 'expect_blocked sees the blocked open');
t.equal(done(obs, 7)?.ret, F.RDLCK, 'F_GETLEASE during a read break shows the target type');
t.match(done(obs, 4, true), { ret: 4, name: 'r', late: true }, 'the open completes after F_UNLCK');
t.equal(done(obs, 9)?.ret, 0, 'await saw it complete');
t.ok(
  kinds(obs).indexOf('done:8') < kinds(obs).indexOf('done:9'),
  'order: unlock, late open, await',
);
t.equal(done(obs, 10)?.ret, 0, 'F_SETLEASE(F_UNLCK) resets F_SETSIG');

const obs2 = r.trace.scenarios[1]!.observations;
t.equal(done(obs2, 2)?.retProc, 'holder', 'F_SETLEASE made the caller the owner');
t.match(done(obs2, 4), { ret: -1, errname: 'EAGAIN' }, 'O_NONBLOCK breaker gets EAGAIN');
t.match(
  obs2.find((o) => o.kind === 'signal'),
  { signo: 29, signame: 'SIGIO', code: 0x80, fd: 0 },
  'default SIGIO: SI_KERNEL, no si_fd',
);
t.equal(done(obs2, 5)?.ret, 29);
