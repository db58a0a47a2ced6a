// The checker on fanotify traces recorded on the stock 6.1 guest: each
// passes as recorded, and fails once a decoded event is altered (mask, pid,
// event fd path, F_GETFL, FD flags, info record), or an event is dropped.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { parseTrace } from '../../src/trace/parse.js';
import { checkTrace } from '../../src/check/index.js';
import type { FanotifyEvent, Observation, StepDone } from '../../src/trace/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const profile = { name: 'stock', version: '6.1.192', features: {} };
const scenarios = loadScenarios(collectScenarioFiles([path.join(root, 'tests/scenarios/fanotify')]));

type Alter = { what: string; f: (e: FanotifyEvent, d: StepDone) => boolean };
const alters: Alter[] = [
  { what: 'mask', f: (e) => ((e.mask ^= 0x1), true) },
  { what: 'pid', f: (e) => ((e.pid += 1), true) },
  { what: 'path', f: (e) => (e.path !== null ? ((e.path += 'x'), true) : false) },
  { what: 'F_GETFL', f: (e) => (e.flags !== null ? ((e.flags ^= 0x4000000), true) : false) },
  { what: 'F_GETFD', f: (e) => (e.fdFlags !== null ? ((e.fdFlags ^= 1), true) : false) },
  { what: 'info type', f: (e) => (e.info[0] ? ((e.info[0].type += 1), true) : false) },
  { what: 'dropped event', f: (e, d) => ((d.events = d.events!.filter((x) => x !== e)), (d.ret -= e.eventLen), true) },
];

let checked = 0;
for (const sc of scenarios) {
  const file = path.join(root, 'tests/golden/traces', `${sc.name}.jsonl`);
  if (!existsSync(file)) continue;
  const obs = parseTrace(readFileSync(file, 'utf8')).observations;
  t.equal(checkTrace(sc, profile, obs).kind, 'pass', `${sc.name} passes as recorded`);
  const at = obs.findIndex((o) => o.kind === 'done' && (o.events?.length ?? 0) > 0);
  if (at < 0) continue;
  checked++;
  for (const a of alters) {
    const copy = JSON.parse(JSON.stringify(obs)) as Observation[];
    const d = copy[at] as StepDone;
    if (!a.f(d.events![0]!, d)) continue;
    t.equal(checkTrace(sc, profile, copy).kind, 'diverged', `${sc.name}: altered ${a.what} is caught`);
  }
}
t.ok(checked >= 20, `${checked} recorded fanotify traces with events`);
