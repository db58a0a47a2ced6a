// vfslab diff's side-by-side report (no VM): the step line, what each kernel
// saw in two columns, and the model's verdict per side.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseTrace } from '../../src/trace/parse.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { diffRows } from '../../src/cli/diff-compare.js';
import { formatSideBySide, verdictText } from '../../src/cli/diff-format.js';
import type { Verdict } from '../../src/check/verdict.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const name = 'lease-dup2-over-lease-fd';
const [sc] = loadScenarios([path.join(root, 'tests/scenarios/lease/dup2-over-lease-fd.scenario')]);
const load = (dir: string) => parseTrace(readFileSync(path.join(root, 'tests/golden', dir, `${name}.jsonl`), 'utf8')).observations;
const pass: Verdict = { kind: 'pass', scenario: name, observations: 20, states: 1 };
const diverged: Verdict = {
  kind: 'diverged', scenario: name,
  divergence: { index: 15, step: { id: 12, line: 41, text: 'A: wait-signal SIGRTMIN 2s' }, seen: 'done ret=-1 errno=EAGAIN', allowed: ['done ret=34 errno=0'], rules: [], state: [], by: 'model' },
};

t.test('side by side, step by step, with both verdicts', async (t) => {
  const lines = formatSideBySide({ scenario: sc!, label: 'tests/scenarios/lease/dup2-over-lease-fd.scenario', kernels: ['stock', 'patched'], verdicts: [pass, diverged], rows: diffRows(load('traces'), load('traces-patched')) }, 40);
  t.equal(lines[0], `${name} (tests/scenarios/lease/dup2-over-lease-fd.scenario)`);
  t.equal(lines[1], '  model on stock: pass (the model explains it)');
  t.equal(lines[2], '  model on patched: DIVERGED at line 41: saw done ret=-1 errno=EAGAIN; allowed done ret=34 errno=0');
  t.equal(lines[3], `    ${'stock saw'.padEnd(40)} | patched saw`);
  const at = lines.findIndex((l) => l.includes('wait-signal SIGRTMIN 2s'));
  t.match(lines[at], /^ {2}line \d+: A: wait-signal SIGRTMIN 2s$/);
  t.equal(lines[at + 1], `    ${'done ret=34 errno=0'.padEnd(40)} | done ret=-1 errno=EAGAIN`);
  t.equal(lines[at + 2], `    A caught SIGRTMIN+2 si_code=3 si_fd=3 s… |`, 'a long entry is cut to the column; the other side is empty');
  t.equal(lines.length, at + 3);
});

t.test('a side with nothing at a step says so; runner lines are labelled', async (t) => {
  const lines = formatSideBySide({ scenario: sc!, label: 'x', kernels: ['a', 'b'], verdicts: [pass, pass], rows: [{ seq: 11, a: [], b: ['blocked'] }, { seq: -2, a: ['infra watchdog: w'], b: [] }] }, 12);
  t.same(lines.slice(4), [`  line ${sc!.steps[11]!.line}: B: g = open "data" O_WRONLY|O_NONBLOCK expect errno=EAGAIN`, '    (nothing)    | blocked', '  runner', '    infra watch… | (nothing)']);
});

t.test('verdict lines', async (t) => {
  t.equal(verdictText({ kind: 'not-applicable', scenario: 'x', reason: 'kernel profile stock lacks leaseCloseShutdown' }), 'not applicable: kernel profile stock lacks leaseCloseShutdown');
  t.equal(verdictText({ kind: 'infra', scenario: 'x', reason: 'watchdog' }), 'infra: watchdog');
});
