// The report says in words who disagreed with the kernel: the model, or only
// a hand-pinned expectation (the model is checked first, so it agreed), and
// labels the model state it shows accordingly.
import t from 'tap';
import { explainDivergence, stateLabel } from '../../src/report/explain.js';
import { formatVerdict } from '../../src/check/index.js';
import type { Divergence } from '../../src/check/verdict.js';
import { predict } from '../../src/check/index.js';
import { loadScenarios } from '../../src/cli/scenario-files.js';
import { indexPage, scenarioPage } from '../../src/report/html.js';
import { RESULTS_VERSION, type ScenarioRecord } from '../../src/report/types.js';

const base: Divergence = {
  index: 3,
  step: { id: 1, line: 6, text: 'A: g = dup f expect ret=5' },
  seen: 'done ret=4 errno=0',
  allowed: ['line 6: expect ret=5'],
  rules: ['hand-pinned expectation in the scenario file'],
  state: ['process A pid#1 pgrp#1: fds 3->file#2 4->file#2'],
  by: 'expectation',
};

t.test('a pin divergence: the model agreed with the kernel', async (t) => {
  const s = explainDivergence(base);
  t.match(s, /^At line 6 \(A: g = dup f expect ret=5\) the kernel gave "done ret=4 errno=0"\./);
  t.match(s, /The reference model allows that too; only the scenario's hand-pinned expectation \(line 6: expect ret=5\) disagrees/);
  t.equal(stateLabel(base), 'model state after the step');
  const v = formatVerdict({ kind: 'diverged', scenario: 'x', divergence: base });
  t.match(v, /model state after the step:\n {4}process A/);
  t.notMatch(v, /before it/);
});

t.test('a model divergence names the profile and what the model allowed', async (t) => {
  const d: Divergence = { ...base, by: 'model', allowed: ['done ret=-1 errno=EAGAIN', 'blocked'], rules: ['fs/locks.c __break_lease: ...'] };
  const s = explainDivergence(d, 'stock 6.1.192');
  t.match(s, /which the reference model for profile stock 6\.1\.192 does not allow \(it allows: done ret=-1 errno=EAGAIN; blocked\)/);
  t.match(s, /a regression, or a patch whose Vfslab-Feature the profile lacks/);
  t.equal(stateLabel(d), 'model state before it');
  t.match(formatVerdict({ kind: 'diverged', scenario: 'x', divergence: d }), /model state before it:/);
  t.match(explainDivergence({ ...d, step: null, allowed: [] }), /^At observation 3 .*\(it allows: nothing at this point\)/);
});

t.test('the HTML page leads with the explanation; the index greys out zero counts', async (t) => {
  const [sc] = loadScenarios(['tests/fixtures/planted/dup-number.scenario']);
  const profile = { name: 'stock', version: '6.1.192', features: {} };
  const rec: ScenarioRecord = { file: 'tests/fixtures/planted/dup-number.scenario', name: sc!.name, verdict: { kind: 'diverged', scenario: sc!.name, divergence: base }, ms: 17, observations: [] };
  const page = scenarioPage(rec, { text: 'x', prediction: predict(sc!, profile), consoleExcerpt: '', reproFile: 'r.c', scriptFile: 'r.sh', profile: 'stock 6.1.192' });
  t.match(page, /<p class="explain">At line 6 \(A: g = dup f expect ret=5\) the kernel gave &quot;done ret=4 errno=0&quot;/);
  t.match(page, /<td>model state after the step<\/td>/);
  const idx = indexPage({ version: RESULTS_VERSION, metadata: [], scenarios: [rec] });
  t.match(idx, /<span class="diverged">1 diverged<\/span>/);
  t.match(idx, /<span class="skip">0 infrastructure<\/span>/);
  t.match(idx, /<td>line 6: saw done ret=4 errno=0; the pin says line 6: expect ret=5<\/td>/, 'the index row says what was seen and what was expected');
});
