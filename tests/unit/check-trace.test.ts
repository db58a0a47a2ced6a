import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { checkTrace, formatVerdict, predict, formatPrediction, type Verdict } from '../../src/check/index.js';
import type { Observation } from '../../src/trace/types.js';
import type { Scenario } from '../../src/scenario/ast.js';

const stock = { name: 'stock', version: '6.1.192', features: {} };
const DIR = '/mnt/pmem/vfslab/s0';

function load(rel: string): Scenario {
  const f = join(import.meta.dirname, '../scenarios', rel);
  const r = parseScenario(readFileSync(f, 'utf8'), rel);
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join('\n'));
  return r.scenario;
}

/** A hand-written trace, in the runner's JSONL shape. */
class Trace {
  readonly obs: Observation[] = [];
  private t = 0;
  private pids = new Map<string, number>();
  constructor(private readonly sc: Scenario) {
    this.push({ kind: 'scenario-start', name: sc.name, dir: DIR, settleMs: 50, watchdogMs: 10000 });
  }
  private push(o: Record<string, unknown>): this {
    this.obs.push({ scenario: 0, t: (this.t += 100), ...o } as unknown as Observation);
    return this;
  }
  proc(name: string, pid: number, parent: string | null = null, seq = -1): this {
    this.pids.set(name, pid);
    return this.push({ kind: 'process', proc: name, pid, pgid: 1000, parent, seq });
  }
  done(seq: number, ret: number, errno = 0, extra: Record<string, unknown> = {}): this {
    const st = this.sc.steps[seq]!;
    return this.push({ kind: 'done', seq, proc: st.proc, pid: this.pids.get(st.proc) ?? 0, op: st.op.kind, ret, errno, errname: null, late: false, ...extra });
  }
  late(seq: number, ret: number, errno = 0): this {
    return this.done(seq, ret, errno, { late: true });
  }
  blocked(seq: number): this {
    const st = this.sc.steps[seq]!;
    return this.push({ kind: 'blocked', seq, proc: st.proc, pid: this.pids.get(st.proc) ?? 0, op: st.op.kind });
  }
  signal(proc: string, signo: number, code: number, fd: number, band: number, atStep: number): this {
    return this.push({ kind: 'signal', proc, pid: this.pids.get(proc) ?? 0, signo, signame: '', code, fd, band, sigPid: 0, sigPidProc: null, inStep: null, atStep });
  }
  exit(proc: string, status: number | null, signo: number | null, teardown = false): this {
    return this.push({ kind: 'exit', proc, pid: this.pids.get(proc) ?? 0, status, signo, core: false, teardown, atStep: 0 });
  }
  end(): Observation[] {
    this.push({ kind: 'scenario-end', name: this.sc.name, status: 'ok', steps: this.sc.steps.length });
    return this.obs;
  }
}

function dupTrace(sc: Scenario, dupRet = 4, closeErrno = 0): Observation[] {
  return new Trace(sc).proc('A', 1000)
    .done(0, 3).done(1, 5).done(2, dupRet).done(3, 1).done(4, 4, 0, { data: '656c6c6f', text: 'ello' }).done(5, 5).done(6, 0, closeErrno)
    .exit('A', null, 9, true).end();
}

t.test('a correct hand-written trace passes', async (t) => {
  const sc = load('fd/dup-shares-offset.scenario');
  const v = checkTrace(sc, stock, dupTrace(sc));
  t.equal(v.kind, 'pass', formatVerdict(v));
});

t.test('a wrong fd number is caught at its own observation', async (t) => {
  const sc = load('fd/dup-shares-offset.scenario');
  const v = checkTrace(sc, stock, dupTrace(sc, 5));
  t.equal(v.kind, 'diverged');
  if (v.kind !== 'diverged') return;
  t.equal(v.divergence.index, 4, 'scenario-start, process, open, write, then the dup');
  t.equal(v.divergence.step?.line, 12);
  t.match(v.divergence.seen, /ret=5/);
  t.same(v.divergence.allowed, ['done ret=4 errno=0']);
  t.match(formatVerdict(v), /dup: lowest free fd is 4/);
});

t.test('a wrong errno is caught, and the pinned expectation is a second opinion', async (t) => {
  const sc = load('fd/dup-shares-offset.scenario');
  const v = checkTrace(sc, stock, dupTrace(sc, 4, 9));
  t.equal(v.kind, 'diverged');
  if (v.kind === 'diverged') {
    t.equal(v.divergence.step?.id, 6);
    t.equal(v.divergence.by, 'model');
    t.match(v.divergence.seen, /errno=EBADF/);
  }
  // A pin that disagrees with what was seen is reported even if the model would allow it.
  const pinned = parseScenario('process A\nA: f = open "x" O_RDWR|O_CREAT 0644 expect fd=7\n', 'pin.scenario');
  if (!pinned.ok) throw new Error('parse');
  const tr = new Trace(pinned.scenario).proc('A', 1000).done(0, 3).exit('A', null, 9, true).end();
  const pv = checkTrace(pinned.scenario, stock, tr);
  t.equal(pv.kind, 'diverged');
  if (pv.kind === 'diverged') t.equal(pv.divergence.by, 'expectation');
});

/** Steps of lease/unlock-releases-breaker: 0 w=open 1 close 2 f=open 3 SETLEASE 4 fork 5 B open(blocks) 6 wait-signal 7 expect-blocked 8 GETLEASE 9 UNLCK 10 await 11 GETFL */
function breakerTrace(sc: Scenario, order: 'signal-first' | 'blocked-first' | 'completion-before-unlock-report'): Observation[] {
  const tr = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).done(3, 0).proc('B', 1001, 'A', 4).done(4, 1001, 0, { retProc: 'B' });
  if (order === 'signal-first') tr.signal('A', 29, 0x80, 0, 0, 5).blocked(5);
  else tr.blocked(5).signal('A', 29, 0x80, 0, 0, 5);
  tr.done(6, 29).done(7, 1, 0, { blockedSeq: 5 }).done(8, 2);
  if (order === 'completion-before-unlock-report') tr.late(5, 4).done(9, 0);
  else tr.done(9, 0).late(5, 4);
  return tr.done(10, 0).done(11, 0x8002).exit('A', null, 9, true).exit('B', null, 9, true).end();
}

t.test('hidden-step interleavings: signal and completion reports in any order the kernel allows', async (t) => {
  const sc = load('lease/unlock-releases-breaker.scenario');
  for (const order of ['signal-first', 'blocked-first', 'completion-before-unlock-report'] as const) {
    const v = checkTrace(sc, stock, breakerTrace(sc, order));
    t.equal(v.kind, 'pass', `${order}: ${formatVerdict(v)}`);
  }
});

t.test('a breaker that completes before the holder unlocks is a divergence', async (t) => {
  const sc = load('lease/unlock-releases-breaker.scenario');
  const tr = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).done(3, 0).proc('B', 1001, 'A', 4).done(4, 1001)
    .signal('A', 29, 0x80, 0, 0, 5).done(5, 4).end();
  const v = checkTrace(sc, stock, tr);
  t.equal(v.kind, 'diverged');
  if (v.kind === 'diverged') {
    t.equal(v.divergence.step?.id, 5);
    t.same(v.divergence.allowed, ['blocked']);
    t.match(formatVerdict(v), /blocks in __break_lease/);
    t.match(formatVerdict(v), /unlock-pending/);
  }
});

t.test('lease-break expiry is a hidden step bounded by the model clock', async (t) => {
  const sc = load('lease/break-expiry.scenario');
  // 0 w 1 close 2 f 3 SETLEASE 4 fork 5 B open 6 wait-signal 7 await 8 GETLEASE 9 UNLCK 10 GETOWN 11 GETFL
  const base = (): Trace => new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).done(3, 0).proc('B', 1001, 'A', 4).done(4, 1001)
    .blocked(5).signal('A', 29, 0x80, 0, 0, 5).done(6, 29);
  const good = base().late(5, 4).done(7, 0).done(8, 2).done(9, -1, 11).done(10, 0).done(11, 0x8000).exit('A', null, 9, true).exit('B', null, 9, true).end();
  t.equal(checkTrace(sc, stock, good).kind, 'pass', formatVerdict(checkTrace(sc, stock, good)));
  // await timing out although the 1 s deadline lies inside its 4 s window.
  const stuck = base().done(7, -1, 110).end();
  const v = checkTrace(sc, stock, stuck);
  t.equal(v.kind, 'diverged');
  if (v.kind === 'diverged') t.match(v.divergence.seen, /ETIMEDOUT/);
});

t.test('a deliberately wrong model rule (close-on-exec ignored) is caught with a clear first divergence', async (t) => {
  const sc = load('fd/exec-cloexec.scenario');
  // Hand-written from the kernel's rules: c (3) and d (5) are close-on-exec.
  const trace = new Trace(sc).proc('A', 1000)
    .done(0, 3).done(1, 4).done(2, 3).done(3, 5).done(4, 0).done(5, 0, 0, { fds: { k: 4 } })
    .done(6, -1, 9).done(7, -1, 9).done(8, 0).done(9, 3).exit('A', null, 9, true).end();
  t.equal(checkTrace(sc, stock, trace).kind, 'pass', 'the correct model passes it');
  const v = checkTrace(sc, stock, trace, { model: { rules: { ignoreCloexec: true } } });
  t.equal(v.kind, 'diverged');
  if (v.kind !== 'diverged') return;
  t.equal(v.divergence.step?.id, 5, 'first divergence: the execve report');
  const text = formatVerdict(v);
  t.match(text, /first divergence at observation #7, step 5 \(line \d+: A: execve/);
  t.match(text, /seen: +done ret=0 errno=0 fds=\{"k":4\}/);
  t.match(text, /allowed: done ret=0 errno=0 fds\{c=3 k=4 d=5\}/);
  t.match(text, /execve: no close-on-exec fds to close/);
});

t.test('not-modelled, not-applicable and infra verdicts are never a pass', async (t) => {
  // FAN_REPORT_PIDFD info records are not in the model.
  const fan = parseScenario('process A\nA: g = fanotify_init FAN_REPORT_PIDFD O_RDONLY\n', 'f.scenario');
  if (!fan.ok) throw new Error('parse');
  const tr = new Trace(fan.scenario).proc('A', 1000).done(0, 3).end();
  const v: Verdict = checkTrace(fan.scenario, stock, tr);
  t.equal(v.kind, 'not-modelled');
  t.match(formatVerdict(v), /FAN_REPORT_PIDFD/);
  const req = parseScenario('requires mapDirect\nprocess A\nA: sleep 1ms\n', 'r.scenario');
  if (!req.ok) throw new Error('parse');
  t.equal(checkTrace(req.scenario, stock, []).kind, 'not-applicable');
  t.equal(checkTrace(req.scenario, { ...stock, features: { mapDirect: true } }, new Trace(req.scenario).proc('A', 1).done(0, 0).end()).kind, 'pass');
  const setup = parseScenario('setup fs=xfs\nprocess A\nA: sleep 1ms\n', 's.scenario');
  if (!setup.ok) throw new Error('parse');
  t.equal(checkTrace(setup.scenario, stock, [], { guest: { pmem: 'nvdimm', fs: 'ext4', dax: 'always' } }).kind, 'not-applicable');
  const cut = new Trace(req.scenario).proc('A', 1).obs;
  t.equal(checkTrace(req.scenario, { ...stock, features: { mapDirect: true } }, cut).kind, 'infra');
});

t.test('an expected signal that never shows up is reported at the end of the trace', async (t) => {
  const sc = load('lease/break-nonblock-sigio.scenario');
  const tr = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 5).done(2, 0).done(3, 3).done(4, 0).proc('B', 1001, 'A', 5).done(5, 1001)
    .done(6, -1, 11).end();
  const v = checkTrace(sc, stock, tr);
  t.equal(v.kind, 'infra', 'steps missing: the runner stopped early');
  const full = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 5).done(2, 0).done(3, 3).done(4, 0).proc('B', 1001, 'A', 5).done(5, 1001)
    .done(6, -1, 11).done(7, -1, 11).end();
  const v2 = checkTrace(sc, stock, full);
  t.equal(v2.kind, 'diverged');
  if (v2.kind === 'diverged') t.match(v2.divergence.seen, /ret=-1 errno=EAGAIN/, 'wait-signal timed out although SIGIO was due');
});

t.test('predict prints the model\'s outcomes per step', async (t) => {
  const p = predict(load('lease/break-setsig-sifd.scenario'), stock);
  const text = formatPrediction(p);
  t.match(text, /B: g = open "data" O_RDWR\|O_NONBLOCK[^\n]*\n\s+-> done ret=-1 errno=EAGAIN\n\s+then: A catches SIGRTMIN\+2 si_code=3 si_fd=3 si_band=0x441/);
  t.equal(p.unmodelled, null);
});

t.test('SIGIO default kills the holder: exit and skipped steps are checked against the model', async (t) => {
  const sc = load('lease/sigio-default-kills-holder.scenario');
  const head = (): Trace => new Trace(sc).proc('A', 1000).done(0, 0).done(1, 3).done(2, 0).done(3, 3).done(4, 0)
    .proc('B', 1001, 'A', 5).done(5, 1001).proc('C', 1002, 'A', 6).done(6, 1002).done(7, 0).done(8, 0);
  const quick = head().exit('A', null, 29).done(9, 3).done(10, 0).exit('B', null, 9, true).exit('C', null, 9, true).end();
  t.equal(checkTrace(sc, stock, quick).kind, 'pass', formatVerdict(checkTrace(sc, stock, quick)));
  const slow = head().blocked(9).exit('A', null, 29).late(9, 3).done(10, 0).exit('B', null, 9, true).exit('C', null, 9, true).end();
  t.equal(checkTrace(sc, stock, slow).kind, 'pass', formatVerdict(checkTrace(sc, stock, slow)));
  const survived = head().blocked(9).done(10, -1, 110).end();
  const v = checkTrace(sc, stock, survived);
  t.equal(v.kind, 'diverged', 'a holder that survives SIGIO at its default action is a divergence');

  const k = parseScenario('process A\nA: signal SIGIO default\nA: f = open "d" O_RDONLY|O_CREAT 0644\nA: fcntl f F_SETLEASE F_RDLCK\nA: fork B\nB: g = open "d" O_WRONLY|O_NONBLOCK\nA: fcntl f F_GETLEASE\n', 'k.scenario');
  if (!k.ok) throw new Error('parse');
  const tr = new Trace(k.scenario).proc('A', 1000).done(0, 0).done(1, 3).done(2, 0).proc('B', 1001, 'A', 3).done(3, 1001)
    .exit('A', null, 29).done(4, -1, 11);
  tr.obs.push({ kind: 'skipped', scenario: 0, t: 1, seq: 5, proc: 'A', op: 'fcntl', reason: 'exited' } as Observation);
  const kv = checkTrace(k.scenario, stock, tr.exit('B', null, 9, true).end());
  t.equal(kv.kind, 'pass', formatVerdict(kv));
  t.match(formatPrediction(predict(k.scenario, stock)), /skipped: A no longer exists/);
});

t.test('an exit step is reported done (ret 0) before its exit observation, like every step', async (t) => {
  const sc = load('fd/exit-closes-fds.scenario');
  // 0 w 1 close 2 f 3 fork 4 B open 5 F_WRLCK (EAGAIN) 6 B exit 7 sleep 8 F_WRLCK 9 F_GETLEASE
  const head = (): Trace => new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).proc('B', 1001, 'A', 3).done(3, 1001, 0, { retProc: 'B' })
    .done(4, 4).done(5, -1, 11);
  const tail = (tr: Trace): Observation[] => tr.done(7, 0).done(8, 0).done(9, 1).exit('A', null, 9, true).end();
  const v = checkTrace(sc, stock, tail(head().done(6, 0).exit('B', 0, null)));
  t.equal(v.kind, 'pass', formatVerdict(v));
  const slow = checkTrace(sc, stock, tail(head().blocked(6).late(6, 0).exit('B', 0, null)));
  t.equal(slow.kind, 'pass', `a slow reap: blocked, then a late done: ${formatVerdict(slow)}`);
  const silent = checkTrace(sc, stock, tail(head().exit('B', 0, null)));
  t.match(silent, { kind: 'infra', reason: 'runner reported step 7 before step 6' }, 'an exit step without its done breaks the contract');
  const wrongStatus = checkTrace(sc, stock, tail(head().done(6, 0).exit('B', 1, null)));
  t.equal(wrongStatus.kind, 'diverged', 'the status comes from the exit observation and is checked there');
  const unreported = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).proc('B', 1001, 'A', 3).done(3, 1001).done(4, 4).done(5, -1, 11).end();
  t.match(checkTrace(sc, stock, unreported), { kind: 'infra', reason: 'the runner reported 6 of 10 steps' }, 'a trailing exit step must be reported too');
});

t.test('expect-blocked: 1 while the process is blocked, 0 once it is not', async (t) => {
  const sc = load('lease/unlock-releases-breaker.scenario');
  const tr = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 3).done(3, 0).proc('B', 1001, 'A', 4).done(4, 1001, 0, { retProc: 'B' })
    .blocked(5).signal('A', 29, 0x80, 0, 0, 5).done(6, 29).done(7, 0, 0, { blockedSeq: null });
  const v = checkTrace(sc, stock, tr.end());
  t.equal(v.kind, 'diverged', 'B is blocked until A unlocks: 0 is wrong');
  if (v.kind === 'diverged') t.same(v.divergence.allowed, ['done ret=1 errno=0 blockedSeq=5']);
});

t.test('a malformed trace line is an infra verdict naming the line, not a step-order complaint', async (t) => {
  const sc = load('owner/setown-getown.scenario');
  const tr = new Trace(sc).proc('A', 1000).done(0, 3).done(1, 0).done(2, 0).done(3, 1000);
  tr.obs.push({ kind: 'infra', scenario: 0, t: 1, error: 'trace', message: 'trace line 7: invalid JSON' } as Observation);
  t.match(checkTrace(sc, stock, tr.done(5, 0).end()), { kind: 'infra', reason: /^trace: trace line 7/ });
});
