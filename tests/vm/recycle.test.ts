// The runner dies mid-batch (killed, as a crash would): the scenarios it had
// finished keep their verdicts, the unfinished one is an infrastructure error
// (never a divergence), and the remaining batches run on a fresh guest. The
// recycled guest's console log is kept (nothing else of its work dir) and named.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runScenarios } from '../../src/cli/run-scenarios.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { resolveProfile } from '../../src/cli/profile.js';
import { EVIDENCE, leftWorkDirs } from '../fixtures/evidence.js';
import { ownTmpdir } from '../fixtures/tmpdir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The middle one sleeps 5 s: the kill (1 s into its batch, harness/test-seams.ts)
// lands inside it. (A lease break of 1 s, used before, could end first.)
const scenarios = loadScenarios([
  path.join(root, 'tests/scenarios/fd/close-reuse.scenario'),
  path.join(root, 'tests/fixtures/faults/slow.scenario'),
  path.join(root, 'tests/scenarios/fd/dup2-over-open-fd.scenario'),
]);
const tmp = ownTmpdir(t);
const lines: string[] = [];
const outcome = await runScenarios({
  scenarios,
  kernel: 'stock',
  profile: await resolveProfile('stock', undefined),
  pmem: 'nvdimm',
  fs: 'ext4',
  dax: 'always',
  batchSize: 1,
  killRunnerInBatch: 1,
  log: (l) => lines.push(l),
});
t.same(
  outcome.results.map((r) => r.verdict.kind),
  ['pass', 'infra', 'pass'],
  'finished results kept, the killed one is infrastructure, the rest ran',
);
t.match(outcome.results[1]!.verdict, { reason: /vfslab-runner exited|SIGKILL|KILL|137/ }, 'the infra verdict says the runner died');
t.ok(lines.some((l) => /recycling the guest for the remaining 1 scenario/.test(l)), 'the guest was recycled');
const left = leftWorkDirs(tmp);
t.same(left.map((d) => d.files), [EVIDENCE], 'the recycled guest left its evidence only, the fresh one nothing');
t.match(outcome.results[1]!.verdict, { reason: `; console log: ${path.join(tmp, left[0]?.name ?? '?', 'console.log')}` }, 'and the reason names that console log');
