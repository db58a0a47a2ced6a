// SSH faults mid-batch (VFSLAB_TEST_FAULT, harness/test-seams.ts): the guest's
// sshd killed (killall dropbear over the connection itself) and the host
// dropping the socket. Each is a typed infrastructure error, never a kernel
// divergence: the scenarios finished before it keep their verdicts, the rest
// run on a recycled guest or are reported as not run, and a bisect step
// answers 125 (cannot test). The cut guest's console log is kept and named.
import path from 'node:path';
import t from 'tap';
import { imagesDir, repoRoot } from '../../harness/paths.js';
import { readManifest } from '../../harness/image/manifest.js';
import { STEP_EXIT, outcomeExit } from '../../harness/bisect/verdict.js';
import { runScenarios } from '../../src/cli/run-scenarios.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { judge, parseOracle, realRunOnce } from '../../src/cli/bisect-common.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

// The middle one sleeps 5 s: a fault 1 s into its batch lands inside it, however loaded the machine.
const files = [
  path.join(repoRoot, 'tests/scenarios/fd/close-reuse.scenario'),
  path.join(repoRoot, 'tests/fixtures/faults/slow.scenario'),
  path.join(repoRoot, 'tests/scenarios/fd/dup2-over-open-fd.scenario'),
];
const scenarios = loadScenarios(files);
const profile = await resolveProfile('stock', undefined);

t.test('sshd killed in the guest mid-batch: infra verdict, finished kept, rest on a recycled guest', async (t) => {
  const tmp = ownTmpdir(t);
  const lines: string[] = [];
  const outcome = await runScenarios({
    scenarios,
    kernel: 'stock',
    profile,
    pmem: 'nvdimm',
    fs: 'ext4',
    dax: 'always',
    batchSize: 1,
    fault: { kind: 'kill-sshd', batch: 1 },
    log: (l) => lines.push(l),
  });
  t.same(
    outcome.results.map((r) => r.verdict.kind),
    ['pass', 'infra', 'pass'],
    'the finished scenario kept its pass, the cut one is infrastructure, the last ran after the recycle',
  );
  t.match(outcome.results[1]!.verdict, { reason: /^SSH to guest: connection lost while running/ }, 'the reason is the lost SSH connection');
  t.ok(lines.some((l) => /recycling the guest for the remaining 1 scenario/.test(l)), 'the guest was recycled');
  t.same(outcome.oopses, [], 'no kernel oops: the kernel is not blamed');
  const left = leftWorkDirs(tmp);
  t.same(left.map((d) => d.files), [EVIDENCE], 'the cut guest left its evidence only');
  t.match(outcome.results[1]!.verdict, { reason: `; console log: ${path.join(tmp, left[0]?.name ?? '?', 'console.log')}` }, 'and the reason names that console log');
});

// bisect-step's own run function and judge: the same path as `vfslab bisect-step` after its build.
async function bisectExit(fault: string, log: string[]): Promise<number> {
  const oracle = await parseOracle({}, files, 'bisect-step');
  const stock = (await readManifest()).kernels['stock']!;
  process.env['VFSLAB_TEST_FAULT'] = fault;
  try {
    const d = await judge(oracle, realRunOnce(oracle, (l) => log.push(l)), path.join(imagesDir, stock.vmlinuz), oracle.profile, (l) => log.push(l));
    log.push(`decision: ${d.line}`);
    return outcomeExit(d.outcome);
  } finally {
    delete process.env['VFSLAB_TEST_FAULT'];
  }
}

for (const [fault, reason] of [
  ['kill-sshd@0', /could not run: SSH to guest: connection lost while running/],
  ['drop-ssh@0', /could not run: SSH to guest: connection lost while running .*connection dropped by the host/],
] as const) {
  t.test(`bisect-step with ${fault}: exit 125, not bad`, async (t) => {
    const tmp = ownTmpdir(t);
    const log: string[] = [];
    const code = await bisectExit(fault, log);
    t.equal(code, STEP_EXIT.skip, `exit 125 (${log.filter((l) => /bisect:|decision/.test(l)).join(' | ')})`);
    t.ok(log.some((l) => reason.test(l)), 'the scenarios cut off are reported as not run, with the SSH failure');
    // The first scenario takes well under the 1 s before the fault: its trace arrived and was checked.
    t.notOk(log.some((l) => /bisect: close-reuse: could not run/.test(l)), 'the scenario finished before the fault kept its verdict');
    t.ok(log.some((l) => /run 1\/1: invalid \(\d scenario\(s\) could not run/.test(l)), 'the run is invalid, not failing');
    t.notOk(log.some((l) => /diverged/.test(l)), 'nothing is called a divergence');
    t.same(leftWorkDirs(tmp).map((d) => d.files), [EVIDENCE], 'the cut guest left its evidence only');
  });
}
