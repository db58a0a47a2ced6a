// Recycling fails: the runner is killed in batch 1 (VFSLAB_TEST_FAULT=kill-runner@1),
// which forces a recycle, and every launch after the first fails
// (VFSLAB_TEST_FAIL_BOOT_AFTER=1, a BootError through Guest.boot's own failure
// path). What finished keeps its verdict; every scenario left is `infra`
// "not run: no guest after recycling (...)", none is dropped, --json holds
// them all, the run exits 3, and no QEMU is left; of the two failed guests
// (the one whose runner was killed, the one that did not boot) only the
// console logs the reasons name, and the QEMU command lines, are left.
import { rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../../harness/paths.js';
import { qemusUnder, readJsonResults, vfslabRun } from '../fixtures/faults/cli-run.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';

const fd = (n: string) => path.join(repoRoot, 'tests/scenarios/fd', `${n}.scenario`);
// slow sleeps 5 s: the kill 1 s into its batch lands inside it.
const files = [fd('close-reuse'), path.join(repoRoot, 'tests/fixtures/faults/slow.scenario'), fd('dup2-over-open-fd'), fd('close-ebadf')];

t.test('the recycled guest does not boot: the rest are not run, nothing dropped, exit 3', async (t) => {
  const r = await vfslabRun([...files, '--batch', '1', '--json', '{dir}/r.json'], {
    VFSLAB_TEST_FAULT: 'kill-runner@1',
    VFSLAB_TEST_FAIL_BOOT_AFTER: '1',
  });
  t.teardown(() => [r.tmp, r.dir].forEach((d) => rmSync(d, { recursive: true, force: true })));
  t.equal(r.code, 3, `exit 3 (stderr: ${r.err.slice(-600)})`);
  const results = readJsonResults(path.join(r.dir, 'r.json'));
  t.equal(results.length, files.length, 'every scenario has a result in --json');
  t.same(
    results.map((x) => x.verdict.kind),
    ['pass', 'infra', 'infra', 'infra'],
    `verdicts (${results.map((x) => x.verdict.reason ?? x.verdict.kind).join(' | ')})`,
  );
  const left = leftWorkDirs(r.tmp);
  t.same(left.map((d) => d.files), [EVIDENCE, EVIDENCE], 'two failed guests: each left only its evidence');
  const logs = left.map((d) => path.join(r.tmp, d.name, 'console.log'));
  const runnerLog = logs.find((l) => results[1]!.verdict.reason?.endsWith(l)) ?? '?';
  t.equal(results[1]!.verdict.reason, `vfslab-runner killed by SIGKILL; console log: ${runnerLog}`, 'the killed one says the runner was killed, naming its console log');
  const bootLog = logs.find((l) => l !== runnerLog) ?? '?';
  for (const x of results.slice(2)) {
    t.equal(
      x.verdict.reason,
      `not run: no guest after recycling (guest did not become ready: aborted (VFSLAB_TEST_FAIL_BOOT_AFTER=1: launch 2 made to fail); console log: ${bootLog}); first failure: vfslab-runner killed by SIGKILL; console log: ${runnerLog}`,
      `${x.name}: not run, naming the boot failure and the first failure, and both console logs`,
    );
  }
  t.equal(r.out.match(/^(not )?ok \d+ - /gm)?.length, files.length, 'a TAP line for every scenario');
  t.match(r.out, /^1\.\.4$/m, 'the plan counts them all');
  t.equal(await qemusUnder(r.tmp), 0, 'no QEMU of the run is left');
});
