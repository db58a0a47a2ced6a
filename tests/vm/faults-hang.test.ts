// A probe that never returns, and a hung task the kernel reports
// (VFSLAB_TEST_FAULT, harness/test-seams.ts; the probe is guest/probes/freeze-write.c).
// - leave-frozen: /mnt/pmem is frozen (FIFREEZE) before batch 1's runner, which
//   then sleeps uninterruptibly in sb_start_write (mnt_want_write) for ever:
//   no signal ends it, so the batch times out, the scenario is infrastructure,
//   the guest is recycled and the rest of the scenarios run and pass.
// - hung-task: a writer blocked on a frozen fs past hung_task_timeout_secs=2
//   (kernel/hung_task.c check_hung_task prints "INFO: task ... blocked for
//   more than N seconds"): `vfslab run` fails, quoting the console.
// Both times the failed guest's console log is kept (nothing else of its work
// dir) and named.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../../harness/paths.js';
import { runScenarios } from '../../src/cli/run-scenarios.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

const scenario = (n: string) => path.join(repoRoot, 'tests/scenarios/fd', `${n}.scenario`);

t.test('a batch that never returns: timed out, guest recycled, the rest pass', async (t) => {
  const tmp = ownTmpdir(t);
  const lines: string[] = [];
  const outcome = await runScenarios({
    scenarios: loadScenarios([scenario('close-reuse'), scenario('dup2-over-open-fd'), scenario('close-ebadf')]),
    kernel: 'stock',
    profile: await resolveProfile('stock', undefined),
    pmem: 'nvdimm',
    fs: 'ext4',
    dax: 'always',
    batchSize: 1,
    // Short, to keep the suite quick; the default (60 s + 15 s a scenario) behaves the same.
    batchTimeoutMs: 20_000,
    fault: { kind: 'leave-frozen', batch: 1 },
    log: (l) => lines.push(l),
  });
  t.same(
    outcome.results.map((r) => r.verdict.kind),
    ['pass', 'infra', 'pass'],
    `verdicts (${outcome.results.map((r) => ('reason' in r.verdict ? r.verdict.reason : r.verdict.kind)).join(' | ')})`,
  );
  t.match(outcome.results[1]!.verdict, { reason: /timed out after 20000 ms/ }, 'the stuck one timed out');
  t.ok(lines.some((l) => /recycling the guest for the remaining 1 scenario/.test(l)), 'the guest was recycled');
  const left = leftWorkDirs(tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'the stuck guest left its evidence only');
  t.match(outcome.results[1]!.verdict, { reason: `; console log: ${path.join(tmp, left[0]?.name ?? '?', 'console.log')}` }, 'and the reason names that console log');
});

t.test('a hung task fails the run, quoting the kernel', async (t) => {
  const tmp = ownTmpdir(t);
  const r = spawnSync(path.join(repoRoot, 'bin/vfslab'), ['run', scenario('close-reuse')], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: tmp, VFSLAB_TEST_FAULT: 'hung-task@0' },
    timeout: 240_000,
  });
  t.equal(r.status, 1, `exit 1 (stderr: ${r.stderr.slice(-400)})`);
  t.match(r.stdout, /^ok 1 - .*close-reuse/m, 'the scenario itself passed');
  t.match(r.stdout, /^not ok 2 - kernel hung-task on the console/m, 'the hung task is a failing test');
  t.match(r.stdout, /INFO: task freeze-write:\d+ blocked for more than \d+ seconds/, 'quoting the kernel');
  const left = leftWorkDirs(tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'the guest left its evidence only');
  t.match(r.stdout, `  # console log: ${path.join(tmp, left[0]?.name ?? '?', 'console.log')}\n`, 'the TAP output names that console log');
});
