// The checker against real stock-guest traces of lease/signal scenarios,
// each altered in the one place the rule under test decides: the altered
// trace must diverge at that observation (the unaltered one passes in
// check-recorded-traces.test.ts).
import t from 'tap';
import { load, profile } from './fixtures/recorded.js';
import { checkTrace, formatVerdict } from '../../src/check/index.js';
import type { Observation, SignalSeen, StepDone } from '../../src/trace/types.js';


const copy = (obs: Observation[]): Observation[] => obs.map((o) => ({ ...o })) as Observation[];

function stepDone(obs: Observation[], pred: (o: StepDone) => boolean): StepDone {
  const o = obs.find((x): x is StepDone => x.kind === 'done' && pred(x));
  if (!o) throw new Error('no such observation');
  return o;
}

t.test('unaltered traces pass', async (t) => {
  for (const [rel, name] of [
    ['owner/sigio-perm-nonroot-owner.scenario', 'sigio-perm-nonroot-owner'],
    ['lease/setlease-eacces-nonowner.scenario', 'lease-setlease-eacces-nonowner'],
    ['signal/setsig-specific-sicode.scenario', 'signal-setsig-specific-sicode'],
    ['lease/stress-wrlck-vs-readers-s1.scenario', 'lease-stress-wrlck-vs-readers-s1'],
  ] as const) {
    const { sc, obs } = load(rel, name);
    const v = checkTrace(sc, profile, obs);
    t.equal(v.kind, 'pass', formatVerdict(v));
  }
});

t.test('sigio_perm: a SIGIO reaching root from a non-root-set owner diverges', async (t) => {
  const { sc, obs } = load('owner/sigio-perm-nonroot-owner.scenario', 'sigio-perm-nonroot-owner');
  const o = copy(obs);
  const at = o.findIndex((x) => x.kind === 'done' && x.op === 'open' && x.errno === 11);
  const a = o.find((x) => x.kind === 'process' && x.proc === 'A');
  const sig: SignalSeen = {
    kind: 'signal', scenario: 0, t: 0, proc: 'A', pid: a && a.kind === 'process' ? a.pid : 0, signo: 29, signame: 'SIGIO',
    code: 0x80, fd: 0, band: 0, sigPid: 0, sigPidProc: null, inStep: null, atStep: 0,
  };
  o.splice(at + 1, 0, sig);
  const v = checkTrace(sc, profile, o);
  t.equal(v.kind, 'diverged', formatVerdict(v));
});

t.test('CAP_LEASE: a non-root F_SETLEASE that succeeds diverges', async (t) => {
  const { sc, obs } = load('lease/setlease-eacces-nonowner.scenario', 'lease-setlease-eacces-nonowner');
  const o = copy(obs);
  const d = stepDone(o, (x) => x.proc === 'B' && x.op === 'fcntl' && x.errno === 13);
  d.ret = 0; d.errno = 0; d.errname = null;
  const v = checkTrace(sc, profile, o);
  t.equal(v.kind, 'diverged', formatVerdict(v));
  if (v.kind === 'diverged') t.equal(v.divergence.step?.id, d.seq);
});

t.test('si_code: SI_SIGIO for a signal with specific si_codes, POLL_MSG is wrong', async (t) => {
  const { sc, obs } = load('signal/setsig-specific-sicode.scenario', 'signal-setsig-specific-sicode');
  const o = copy(obs);
  const s = o.find((x): x is SignalSeen => x.kind === 'signal' && x.signo === 31)!;
  t.equal(s.code, -5, 'the guest reported SI_SIGIO');
  s.code = 3;
  t.equal(checkTrace(sc, profile, o).kind, 'diverged');
});

t.test('TOCTOU: an F_WRLCK granted while a reader is open diverges', async (t) => {
  const { sc, obs } = load('lease/stress-wrlck-vs-readers-s1.scenario', 'lease-stress-wrlck-vs-readers-s1');
  const o = copy(obs);
  const d = stepDone(o, (x) => {
    const st = sc.steps[x.seq]!;
    return st.op.kind === 'fcntl' && st.op.arg.kind === 'int' && st.op.arg.value === 1 && x.errno === 11;
  });
  d.ret = 0; d.errno = 0; d.errname = null;
  const v = checkTrace(sc, profile, o);
  t.equal(v.kind, 'diverged', formatVerdict(v));
});
