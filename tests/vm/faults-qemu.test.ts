// QEMU killed by SIGKILL mid-batch (VFSLAB_TEST_FAULT=kill-qemu@N: the host
// kills its own QEMU 1 s into batch N, as the OOM killer would). A typed
// infrastructure error naming the signal, never a divergence: what finished
// before keeps its verdict (within the cut batch too: the trace streamed so
// far is checked), the guest is recycled for the rest, `vfslab run` exits 3,
// a bisect step answers 125, and no QEMU of the test is left; of the killed
// guest's work dir only its console log (named in the reason) and QEMU
// command line are left.
import { rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { imagesDir, repoRoot } from '../../harness/paths.js';
import { readManifest } from '../../harness/image/manifest.js';
import { STEP_EXIT, outcomeExit } from '../../harness/bisect/verdict.js';
import { judge, parseOracle, realRunOnce } from '../../src/cli/bisect-common.js';
import { qemusUnder, readJsonResults, vfslabRun } from '../fixtures/faults/cli-run.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

const fd = (n: string) => path.join(repoRoot, 'tests/scenarios/fd', `${n}.scenario`);
// Batches of 2: [close-reuse, close-ebadf] before the fault; [dup2-over-open-fd, slow]
// cut (slow sleeps 5 s: the kill 1 s in lands inside it, however loaded the machine);
// [dup3-cloexec] on the recycled guest.
const files = [fd('close-reuse'), fd('close-ebadf'), fd('dup2-over-open-fd'), path.join(repoRoot, 'tests/fixtures/faults/slow.scenario'), fd('dup3-cloexec')];
const KILLED = /^QEMU killed by SIGKILL unexpectedly/;

t.test('vfslab run: QEMU killed mid-batch is infra, finished kept, rest on a recycled guest, exit 3', async (t) => {
  const r = await vfslabRun([...files, '--batch', '2', '--json', '{dir}/r.json'], { VFSLAB_TEST_FAULT: 'kill-qemu@1' });
  t.teardown(() => [r.tmp, r.dir].forEach((d) => rmSync(d, { recursive: true, force: true })));
  t.equal(r.code, 3, `exit 3 (stderr: ${r.err.slice(-600)})`);
  const results = readJsonResults(path.join(r.dir, 'r.json'));
  t.same(
    results.map((x) => x.verdict.kind),
    ['pass', 'pass', 'pass', 'infra', 'pass'],
    `verdicts (${results.map((x) => x.verdict.reason ?? x.verdict.kind).join(' | ')})`,
  );
  t.match(results[3]!.verdict.reason, KILLED, 'the cut scenario says QEMU was killed by SIGKILL');
  t.match(r.out, /^not ok 4 - \S*slow\.scenario.*\n {2}# infra faults-slow: QEMU killed by SIGKILL/m, 'and so does the TAP output');
  t.match(r.err, /recycling the guest for the remaining 1 scenario/, 'the guest was recycled');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU of the run is left');
  const left = leftWorkDirs(r.tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'of the killed guest only the evidence is left; the recycled one left nothing');
  t.equal(results[3]!.verdict.reason, `QEMU killed by SIGKILL unexpectedly; console log: ${path.join(r.tmp, left[0]?.name ?? '?', 'console.log')}`, 'the reason names that console log');
});

t.test('bisect-step with kill-qemu@0: exit 125, not bad', async (t) => {
  const tmp = ownTmpdir(t);
  const log: string[] = [];
  // bisect-step's own run function and judge (as in faults-ssh.test.ts); its guests' work dirs under tmp.
  const oracle = await parseOracle({}, files.slice(2, 4), 'bisect-step');
  const stock = (await readManifest()).kernels['stock']!;
  const saved = process.env['VFSLAB_TEST_FAULT'];
  process.env['VFSLAB_TEST_FAULT'] = 'kill-qemu@0';
  let code: number;
  try {
    const d = await judge(oracle, realRunOnce(oracle, (l) => log.push(l)), path.join(imagesDir, stock.vmlinuz), oracle.profile, (l) => log.push(l));
    log.push(`decision: ${d.line}`);
    code = outcomeExit(d.outcome);
  } finally {
    if (saved === undefined) delete process.env['VFSLAB_TEST_FAULT'];
    else process.env['VFSLAB_TEST_FAULT'] = saved;
  }
  t.equal(code, STEP_EXIT.skip, `exit 125 (${log.filter((l) => /bisect:|decision/.test(l)).join(' | ')})`);
  t.ok(log.some((l) => /bisect: faults-slow: could not run: QEMU killed by SIGKILL unexpectedly/.test(l)), 'the cut scenario could not run, QEMU killed');
  t.notOk(log.some((l) => /bisect: dup2-over-open-fd: could not run/.test(l)), 'the scenario finished before the kill kept its verdict');
  t.ok(log.some((l) => /run 1\/1: invalid \(1 scenario\(s\) could not run/.test(l)), 'the run is invalid, not failing');
  t.notOk(log.some((l) => /diverged/.test(l)), 'nothing is called a divergence');
  t.equal(await qemusUnder(tmp), 0, 'no QEMU of the step is left');
  t.same(leftWorkDirs(tmp).map((d) => d.files), [EVIDENCE], 'only the killed guest\'s evidence is left');
});
