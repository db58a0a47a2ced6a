// A runner that dies mid-batch: scenarios it finished keep their verdicts,
// the rest are infrastructure errors, never kernel divergences.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { batchVerdicts } from '../../src/cli/run-scenarios.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const names = ['fd/close-reuse', 'fd/dup2-over-open-fd', 'lease/break-setsig-sifd'];
const scenarios = loadScenarios(names.map((n) => path.join(root, 'tests/scenarios', `${n}.scenario`)));
const profile = { name: 'stock', version: '6.1.192', features: {} };
const facts = { pmem: 'nvdimm', fs: 'ext4', dax: 'always' };

/** The recorded trace of scenario `sc` renumbered as batch index `i`. */
function traceAt(i: number): string[] {
  const text = readFileSync(path.join(root, 'tests/golden/traces', `${scenarios[i]!.name}.jsonl`), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.stringify({ ...JSON.parse(l), scenario: i }));
}

t.test('a complete batch: every scenario checked', async (t) => {
  const out = [0, 1, 2].flatMap(traceAt).join('\n');
  t.same(
    batchVerdicts(scenarios, out, '', profile, facts).map((v) => v.verdict.kind),
    ['pass', 'pass', 'pass'],
  );
});

t.test('the runner died inside the second scenario', async (t) => {
  const second = traceAt(1);
  const out = [...traceAt(0), ...second.slice(0, Math.floor(second.length / 2))].join('\n');
  const v = batchVerdicts(scenarios, out, 'vfslab-runner killed by SIGKILL', profile, facts);
  t.same(
    v.map((x) => x.verdict.kind),
    ['pass', 'infra', 'infra'],
  );
  t.match(v[1]!.verdict, { reason: /SIGKILL/ }, 'the infra verdict says why');
  t.ok(v[1]!.observations.length > 0, 'the partial trace is kept for the report');
});

t.test('no output at all (guest died)', async (t) => {
  const v = batchVerdicts(scenarios, '', 'QEMU exited unexpectedly', profile, facts);
  t.same(
    v.map((x) => x.verdict.kind),
    ['infra', 'infra', 'infra'],
  );
});
