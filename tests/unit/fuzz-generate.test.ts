// Generated scenarios are valid by construction (the validator is the
// oracle), print -> parse round-trips, the model covers every step, and case
// (seed, index) is always the same scenario.
import t from 'tap';
import fc from 'fast-check';
import { FUZZ_AREAS, caseIntent, generateCase, intentArb, materialize } from '../../src/fuzz/generate.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { printScenario } from '../../src/scenario/print.js';
import { parseScenario, formatScenarioError } from '../../src/scenario/parse.js';
import { predict } from '../../src/check/predict.js';
import type { Scenario } from '../../src/scenario/ast.js';

const profile = { name: 'stock', version: '6.1.192', features: {} };
const env = { profile, guest: { pmem: 'nvdimm', fs: 'ext4', dax: 'always' } };

function problems(sc: Scenario): string[] {
  const copy = structuredClone(sc);
  copy.processes = copy.processes.slice(0, 1);
  const out = validateScenario(copy).map((e) => `step at line ${e.line}: ${e.message}`);
  const text = printScenario(sc);
  const p = parseScenario(text, 'generated');
  if (!p.ok) return [...out, ...p.errors.map(formatScenarioError)];
  const strip = (x: Scenario): unknown => x.steps.map((s) => ({ proc: s.proc, op: s.op }));
  if (JSON.stringify(strip(p.scenario)) !== JSON.stringify(strip(sc))) out.push('print -> parse changed the steps');
  if (JSON.stringify(p.scenario.processes.map((q) => [q.name, q.parent])) !== JSON.stringify(sc.processes.map((q) => [q.name, q.parent]))) out.push('processes differ after parse');
  const pr = predict(sc, profile);
  if (pr.unmodelled) out.push(`not modelled at step ${pr.unmodelled.id}: ${pr.unmodelled.reason}`);
  return out;
}

for (const area of FUZZ_AREAS) {
  t.test(`area ${area}: 150 cases are valid, round-trip and are modelled`, async (t) => {
    const kinds = new Set<string>();
    let steps = 0;
    for (let i = 0; i < 150; i++) {
      const sc = generateCase(area, 11, i, env);
      const p = problems(sc);
      if (p.length) t.fail(`case ${i}:\n${p.join('\n')}\n${printScenario(sc)}`);
      sc.steps.forEach((s) => kinds.add(s.op.kind));
      steps += sc.steps.length;
    }
    t.ok(steps / 150 >= 6, `scenarios are not trivial (${(steps / 150).toFixed(1)} steps on average)`);
    t.ok(kinds.has('fork'), 'processes fork');
    const want: Record<string, string[]> = {
      fd: ['dup', 'dup2', 'close', 'execve'],
      lease: ['fcntl', 'wait_signal'],
      fanotify: ['fanotify_init', 'fanotify_mark', 'fanotify_read', 'fanotify_response'],
      mmap: ['mmap', 'load', 'store', 'munmap'],
      all: ['fanotify_mark', 'mmap', 'fcntl'],
    };
    for (const k of want[area]!) t.ok(kinds.has(k), `generates ${k}`);
  });
}

t.test('any intent materializes into a valid, modelled scenario (fast-check)', async (t) => {
  fc.assert(
    fc.property(intentArb, fc.constantFrom(...FUZZ_AREAS), (intent, area) => {
      const p = problems(materialize(intent, area, 'prop', env));
      if (p.length) throw new Error(p.join('\n'));
    }),
    { numRuns: 150, seed: 7 },
  );
  t.pass('150 random intents');
});

t.test('case (seed, index) regenerates exactly; other cases differ', async (t) => {
  t.same(caseIntent(42, 17), caseIntent(42, 17));
  t.equal(printScenario(generateCase('all', 42, 17, env)), printScenario(generateCase('all', 42, 17, env)));
  t.not(printScenario(generateCase('all', 42, 17, env)), printScenario(generateCase('all', 42, 18, env)));
  t.not(printScenario(generateCase('all', 42, 17, env)), printScenario(generateCase('all', 43, 17, env)));
});
