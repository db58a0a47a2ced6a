// The runner on this host: F_GETOWN_EX's owner record is valid JSON (strict
// parse) and names the process; an exit step is reported done (ret 0) right
// before the process's exit observation; expect_blocked of a process with no
// blocked step is 0; an owner naming an exited process passes its old pid.
import t from 'tap';
import type { ProcessExit, ProcessStarted } from '../../src/trace/types.js';
import { F, O, done, kinds, name, open, run, scen } from './fixtures/runner.js';

const s = scen('owner', [
  ['a', open('f', 'file', O.RDWR | O.CREAT)], // 0
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.SETOWN, arg: { kind: 'owner', target: { proc: 'a' }, pgrp: false } }], // 1
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.GETOWN_EX, arg: { kind: 'none' } }], // 2
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.SETOWN_EX, arg: { kind: 'ownerEx', type: 2, target: { proc: 'a' } } }], // 3
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.GETOWN, arg: { kind: 'none' } }], // 4
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.GETOWN_EX, arg: { kind: 'none' } }], // 5
  ['a', { kind: 'fork', child: 'b' }], // 6
  ['b', { kind: 'exit', code: 3 }], // 7
  ['a', { kind: 'sleep', ms: 20 }], // 8
  ['a', { kind: 'expect_blocked', proc: 'b' }], // 9
  ['a', { kind: 'expect_blocked', proc: 'a' }], // 10
  ['a', { kind: 'fcntl', fd: name('f'), cmd: F.SETOWN, arg: { kind: 'owner', target: { proc: 'b' }, pgrp: false } }], // 11
]);

const r = run([s]); // parseTraceStrict: a malformed line fails here
const obs = r.trace.observations;
const pidA = obs.find((o): o is ProcessStarted => o.kind === 'process' && o.proc === 'a')?.pid ?? -1;

t.equal(r.code, 0);
t.same(r.trace.errors, []);
t.same(done(obs, 2)?.owner, { type: 1, pid: pidA, proc: 'a' }, 'F_GETOWN_EX after F_SETOWN pid: F_OWNER_PID');
t.equal(done(obs, 3)?.ret, 0);
t.equal(done(obs, 4)?.ret, -pidA, 'F_OWNER_PGRP of the group leader: F_GETOWN gives -pgid');
t.same(done(obs, 5)?.owner, { type: 2, pid: pidA, proc: 'a' }, 'F_GETOWN_EX: F_OWNER_PGRP, the pgid as is');
const k = kinds(obs);
t.match(done(obs, 7), { op: 'exit', ret: 0, errno: 0, late: false }, 'the exit step is done');
t.equal(k[k.indexOf('done:7') + 1], 'exit', 'its exit observation follows at once');
const ex = obs.find((o): o is ProcessExit => o.kind === 'exit' && o.proc === 'b');
t.match(ex, { status: 3, signo: null, teardown: false });
t.ok(k.indexOf('done:7') < k.indexOf('done:8'), 'before the next step');
t.match(done(obs, 9), { ret: 0, blockedSeq: null }, 'a dead process has no blocked step');
t.match(done(obs, 10), { ret: 0, blockedSeq: null }, 'an idle process has none either');
t.match(done(obs, 11), { ret: -1, errname: 'ESRCH' }, "an exited process's old pid goes to the kernel, which no longer finds it");
