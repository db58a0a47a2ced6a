// Traces recorded on the real stock 6.1 guest (`vfslab run --traces
// tests/golden/traces`) replayed through the checker with no VM: the model
// must explain every one, and must reject each one once an observed value is
// altered (the first fd number, or a signal's si_fd). Traces recorded on
// the patched kernel (tests/golden/traces-patched, `vfslab run --kernel
// patched`) are replayed the same way against the patched profile.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { parseTrace } from '../../src/trace/parse.js';
import { checkTrace, formatVerdict } from '../../src/check/index.js';
import type { Observation } from '../../src/trace/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const profile = { name: 'stock', version: '6.1.192', features: {} };
// The patched kernel's profile (both patches of guest/patches/series).
const patched = { name: 'patched', version: '6.1.192', features: { leaseCloseShutdown: true, mapDirect: true } };
const scenarios = loadScenarios(collectScenarioFiles([path.join(root, 'tests/scenarios')]));

/** A copy with one observed value changed, or null if the trace has none to change. */
function altered(obs: Observation[]): { obs: Observation[]; what: string } | null {
  const copy = obs.map((o) => ({ ...o })) as Observation[];
  const sig = copy.find((o) => o.kind === 'signal' && o.fd >= 0);
  if (sig && sig.kind === 'signal') {
    sig.fd += 7;
    return { obs: copy, what: `si_fd ${sig.fd - 7} -> ${sig.fd}` };
  }
  const open = copy.find((o) => o.kind === 'done' && o.op === 'open' && o.ret >= 0);
  if (open && open.kind === 'done') {
    open.ret += 1;
    return { obs: copy, what: `open returned ${open.ret - 1} -> ${open.ret}` };
  }
  return null;
}

/** Replays every trace in `dir` against `prof`; returns how many scenarios had one. */
function replayAll(dir: string, prof: typeof profile, label: string): number {
  let n = 0;
  for (const sc of scenarios) {
    const file = path.join(root, 'tests/golden', dir, `${sc.name}.jsonl`);
    if (!existsSync(file)) continue;
    n++;
    t.test(`${sc.name}${label}`, async (t) => {
      const obs = parseTrace(readFileSync(file, 'utf8')).observations;
      const v = checkTrace(sc, prof, obs);
      t.equal(v.kind, 'pass', formatVerdict(v));
      const bad = altered(obs);
      if (bad) {
        const w = checkTrace(sc, prof, bad.obs);
        t.equal(w.kind, 'diverged', `altered (${bad.what}) is caught`);
      }
    });
  }
  return n;
}
const replayed = replayAll('traces', profile, '');
const replayedPatched = replayAll('traces-patched', patched, ' (patched)');
t.test('patched traces are replayed', async (t) => {
  t.ok(replayedPatched > 0, `${replayedPatched} scenarios have a patched trace`);
});
t.test('recorded traces exist for most scenarios', async (t) => {
  // A scenario that requires a profile feature can only have a patched trace.
  const patchedOnly = scenarios.filter((sc) => !existsSync(path.join(root, 'tests/golden/traces', `${sc.name}.jsonl`)) && existsSync(path.join(root, 'tests/golden/traces-patched', `${sc.name}.jsonl`))).length;
  t.ok(replayed + patchedOnly >= scenarios.length * 0.8, `${replayed} of ${scenarios.length} scenarios have a recorded stock trace, ${patchedOnly} more a patched one`);
});
