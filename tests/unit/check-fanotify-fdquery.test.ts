// The checker on the recorded fionread/poll traces of the fanotify
// scenarios (stock 6.1 guest): each passes as recorded, and a FIONREAD count
// or a poll revents that differs from the model's derivation is caught.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { parseTrace } from '../../src/trace/parse.js';
import { checkTrace } from '../../src/check/index.js';
import type { Observation, StepDone } from '../../src/trace/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const profile = { name: 'stock', version: '6.1.192', features: {} };
const scenarios = loadScenarios(collectScenarioFiles([path.join(root, 'tests/scenarios/fanotify')]));

let altered = 0;
for (const sc of scenarios) {
  const file = path.join(root, 'tests/golden/traces', `${sc.name}.jsonl`);
  if (!existsSync(file)) continue;
  const obs = parseTrace(readFileSync(file, 'utf8')).observations;
  const idx = obs.flatMap((o, i) => (o.kind === 'done' && (o.op === 'fionread' || o.op === 'poll') ? [i] : []));
  if (idx.length === 0) continue;
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', `${sc.name} passes as recorded`);
  for (const i of idx) {
    const copy = JSON.parse(JSON.stringify(obs)) as Observation[];
    const d = copy[i] as StepDone;
    // FIONREAD off by one 24-byte event; poll with POLLOUT flipped.
    d.ret = d.op === 'fionread' ? d.ret + 24 : d.ret ^ 0x4;
    t.equal(checkTrace(sc, profile, copy).kind, 'diverged', `${sc.name}: altered ${d.op} of step ${d.seq} is caught`);
    altered++;
  }
}
t.ok(altered >= 15, `${altered} recorded fionread/poll results altered`);
