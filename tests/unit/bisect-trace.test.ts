// --expect/--differs: traces are equal modulo times, pids, addresses and the
// batch index, and different on anything a kernel decides.
import t from 'tap';
import { normalizeObservation, traceDifference } from '../../src/cli/bisect-common.js';
import type { Observation } from '../../src/trace/types.js';

const trace = (pidBase: number, t0: number, errno = 11, scenario = 0): Observation[] =>
  [
    { kind: 'scenario-start', scenario, t: t0, name: 's', dir: '/mnt/pmem/vfslab-run/s', settleMs: 50, watchdogMs: 5000 },
    { kind: 'process', scenario, t: t0 + 1, proc: 'A', pid: pidBase, pgid: pidBase, parent: null, seq: -1 },
    { kind: 'done', scenario, t: t0 + 5, seq: 0, proc: 'A', pid: pidBase, op: 'fork', ret: pidBase + 1, errno: 0, errname: null, late: false, retProc: 'B', child: 'B' },
    { kind: 'done', scenario, t: t0 + 9, seq: 1, proc: 'A', pid: pidBase, op: 'fcntl', ret: -1, errno, errname: errno === 11 ? 'EAGAIN' : 'EBUSY', late: false },
    { kind: 'signal', scenario, t: t0 + 12, proc: 'A', pid: pidBase, signo: 29, signame: 'SIGIO', code: 1, fd: 3, band: 65, sigPid: 0, sigPidProc: null, inStep: null, atStep: 1 },
    { kind: 'scenario-end', scenario, t: t0 + 20, name: 's', status: 'ok', steps: 2 },
    { kind: 'summary', scenario: -1, t: t0 + 21, scenarios: 1, ok: 1, infra: 0, elapsedUs: 999 },
  ] as Observation[];

t.test('equal modulo times, pids, a fork pid and the batch index', async (t) => {
  t.equal(traceDifference(trace(100, 0), trace(345, 777, 11, 3)), undefined);
});

t.test('a different errno, signal band or length is a difference, named by position', async (t) => {
  t.match(traceDifference(trace(100, 0, 16), trace(100, 0)), /^observation 4: seen .*"errname":"EBUSY"/);
  const band = trace(100, 0);
  (band[4] as { band: number }).band = 66;
  t.match(traceDifference(band, trace(100, 0)), /^observation 5:/);
  t.match(traceDifference(trace(100, 0).slice(0, 3), trace(100, 0)), /observation 4: seen \(nothing\)/);
});

t.test('a pid ret without a process name is kept (it is the value itself)', async (t) => {
  const o = { kind: 'done', scenario: 0, t: 1, seq: 0, proc: 'A', pid: 5, op: 'fcntl', ret: 5, errno: 0, errname: null, late: false } as Observation;
  t.same(normalizeObservation(o), { errname: null, errno: 0, kind: 'done', late: false, op: 'fcntl', proc: 'A', ret: 5, seq: 0 });
});
