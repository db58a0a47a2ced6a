// Model + checker throughput on recorded guest traces (tests/golden/traces):
// how many scenario traces per second one core checks. Target >= 5,000/s.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { parseTrace } from '../../src/trace/parse.js';
import { checkTrace } from '../../src/check/index.js';
import type { Profile } from '../../src/model/profile.js';

export interface ModelBench {
  traces: number;
  tracesPerSecond: number;
  parsePerSecond: number;
  passed: number;
}

const tracesDir = path.join(repoRoot, 'tests/golden/traces');

export function benchModel(profile: Profile, seconds = 2): ModelBench {
  const scenarios = loadScenarios(collectScenarioFiles([path.join(repoRoot, 'tests/scenarios')]));
  const pairs = scenarios
    .map((sc) => ({ sc, file: path.join(tracesDir, `${sc.name}.jsonl`) }))
    .filter((p) => existsSync(p.file))
    .map((p) => ({ sc: p.sc, text: readFileSync(p.file, 'utf8') }));
  if (pairs.length === 0) throw new Error(`no recorded traces in ${tracesDir}`);
  const parsed = pairs.map((p) => ({ sc: p.sc, obs: parseTrace(p.text).observations }));
  const passed = parsed.filter((p) => checkTrace(p.sc, profile, p.obs).kind === 'pass').length;
  // Baseline in the same run: parsing the same traces (JSON work only).
  const rate = (fn: (i: number) => void): number => {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    while (performance.now() < end) for (let k = 0; k < 50; k++) fn(n++);
    return n / ((performance.now() - t0) / 1000);
  };
  const tracesPerSecond = rate((i) => {
    const p = parsed[i % parsed.length]!;
    checkTrace(p.sc, profile, p.obs);
  });
  const parsePerSecond = rate((i) => {
    parseTrace(pairs[i % pairs.length]!.text);
  });
  return { traces: pairs.length, tracesPerSecond, parsePerSecond, passed };
}
