// vfslab diff's trace comparison (no VM): equal modulo times, pids, the
// runner's timing fields and the scenario directory; real stock and patched
// traces of lease-dup2-over-lease-fd differ exactly at the wait-signal.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseTrace } from '../../src/trace/parse.js';
import type { Observation } from '../../src/trace/types.js';
import { compareRuns, diffRows, traceView, tracesDiffer } from '../../src/cli/diff-compare.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = (dir: string, name: string): Observation[] => parseTrace(readFileSync(path.join(root, 'tests/golden', dir, `${name}.jsonl`), 'utf8')).observations;

/** The same run seen again: other times, pids, batch index and directory, a signal read one step later. */
function rerun(obs: Observation[]): Observation[] {
  return obs.map((o) => {
    const c = { ...o, t: o.t + 12345, scenario: 3 } as Observation;
    if ('pid' in c && typeof c.pid === 'number') (c as { pid: number }).pid += 100;
    if (c.kind === 'done' && c.retProc) c.ret += 100;
    if (c.kind === 'done' && c.link !== undefined) c.link = c.link.replace('/s-8', '/s-3');
    if (c.kind === 'scenario-start') c.dir = c.dir.replace('/s-8', '/s-3');
    if (c.kind === 'signal') c.atStep += 1;
    return c;
  });
}

t.test('a rerun with other times, pids, directory and signal timing is the same trace', async (t) => {
  const a = load('traces', 'lease-dup2-over-lease-fd');
  t.notOk(tracesDiffer(a, rerun(a)));
  t.notOk(tracesDiffer(a, a));
});

t.test('stock vs patched: the break signal and the wait-signal differ, nothing else', async (t) => {
  const a = load('traces', 'lease-dup2-over-lease-fd');
  const b = load('traces-patched', 'lease-dup2-over-lease-fd');
  t.ok(tracesDiffer(a, b));
  const rows = diffRows(a, b);
  t.same(rows.map((r) => r.seq), [12], 'the wait-signal (the signal was read during it); teardown exits in another order do not count');
  const wait = rows.find((r) => r.seq === 12)!;
  t.match(wait.a.join(' '), /done ret=34 errno=0/);
  t.match(wait.b.join(' '), /done ret=-1 errno=EAGAIN/);
  t.ok(wait.a.some((l) => /A caught SIGRTMIN\+2 si_code=3 si_fd=3/.test(l)), 'stock: the signal with si_fd 3');
  t.notOk(wait.b.some((l) => l.includes('caught')), 'patched: none');
});

t.test('a changed step result, si_fd or exit status is a difference', async (t) => {
  const a = load('traces', 'lease-break-setsig-sifd');
  const b = a.map((o) => (o.kind === 'signal' ? { ...o, fd: o.fd + 1 } : o));
  t.ok(tracesDiffer(a, b), 'si_fd');
  t.ok(tracesDiffer(a, a.map((o) => (o.kind === 'exit' ? { ...o, status: 9 } : o))), 'exit status');
  const i = a.findIndex((o) => o.kind === 'done' && o.op === 'open');
  const c = a.map((o, j) => (j === i && o.kind === 'done' ? { ...o, ret: -1, errno: 11, errname: 'EAGAIN' } : o));
  t.ok(tracesDiffer(a, c), 'a step result');
  t.same(diffRows(a, c).map((r) => r.seq), [(a[i] as { seq: number }).seq]);
});

t.test('fork and F_GETOWN pids are named by process', async (t) => {
  const v = traceView(load('traces', 'lease-dup2-over-lease-fd'));
  t.match(v.steps.get(0)!.outcomes[0], /^done ret=pid\(B\) errno=0/);
});

t.test('compareRuns: differing, one-side-only, diverged and infra', async (t) => {
  const a = load('traces', 'lease-dup2-over-lease-fd');
  const b = load('traces-patched', 'lease-dup2-over-lease-fd');
  const r = (name: string, kind: string, observations: Observation[] = []) => ({ scenario: { name }, verdict: { kind }, observations });
  const c = compareRuns(
    [r('x', 'pass', a), r('y', 'pass', a), r('z', 'not-applicable'), r('w', 'diverged', a), r('v', 'infra', a)],
    [r('x', 'pass', b), r('y', 'pass', rerun(a)), r('z', 'pass', b), r('w', 'diverged', a), r('v', 'pass', a)],
  );
  t.same(c, { differing: [0], onlyA: [], onlyB: [2], diverged: [3], infra: [4] });
});
