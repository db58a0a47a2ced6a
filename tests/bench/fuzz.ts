// Fuzz targets (issue 9): generated scenarios checked per second on a warm
// TCG guest (>= 30/s), and a planted divergence (the model's deliberately
// wrong ignoreCloexec rule) shrunk to its minimal scenario (<= 60 s, <= 100
// guest runs, <= 6 steps). Baseline for the first: the same guest running
// the same number of curated fd/fcntl scenarios (tests/bench/runner-throughput.ts's set).
import { FuzzSession } from '../../src/cli/fuzz-session.js';
import { generateCase } from '../../src/fuzz/generate.js';
import { runCampaign } from '../../src/fuzz/campaign.js';
import type { Profile } from '../../src/model/profile.js';
import path from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';

export interface FuzzRow {
  measure: string;
  n: number;
  value: number;
  unit: string;
  baseline?: string;
  target?: string;
  meets?: boolean;
}

const guest = { pmem: 'nvdimm', fs: 'ext4', dax: 'always' } as const;

export async function benchFuzz(profile: Profile, log: (s: string) => void, count = 300): Promise<FuzzRow[]> {
  const session = new FuzzSession({ kernel: 'stock', profile, ...guest, settleMs: 200, log });
  try {
    const env = { profile, guest };
    await session.run([generateCase('all', 1, 0, env)]); // boot and warm up
    const cases = Array.from({ length: count }, (_, i) => generateCase('all', 2026, i, env));
    const t0 = performance.now();
    const results = await session.run(cases);
    const s = (performance.now() - t0) / 1000;
    const pass = results.filter((r) => r.verdict.kind === 'pass').length;
    // Baseline: as many curated fd/fcntl scenarios (the runner bench's set), same guest, same settle.
    const small = loadScenarios(collectScenarioFiles([path.join(repoRoot, 'tests/scenarios/fd'), path.join(repoRoot, 'tests/scenarios/fcntl')]));
    const curated = Array.from({ length: count }, (_, i) => small[i % small.length]!);
    const t1 = performance.now();
    await session.run(curated);
    const sCurated = (performance.now() - t1) / 1000;
    const steps = cases.reduce((a, c) => a + c.steps.length, 0) / count;
    const stepsCurated = curated.reduce((a, c) => a + c.steps.length, 0) / count;
    const model = { rules: { ignoreCloexec: true } };
    session.setModel(model);
    const r = await runCampaign(session, { area: 'fd', seed: 1, count: 100, batch: 100, env: { ...env, model }, shrink: { batch: 24, maxRuns: 99 }, maxShrinks: 1, log });
    const f = r.findings.find((x) => x.shrink);
    const rows: FuzzRow[] = [{
      measure: `fuzz: ${count} generated scenarios (area all) checked in one batch, warm guest (${pass} pass)`,
      n: 1, value: Math.round((count / s) * 10) / 10, unit: 'scenarios/s',
      baseline: `curated fd/fcntl ${Math.round((count / sCurated) * 10) / 10}/s (${stepsCurated.toFixed(1)} vs ${steps.toFixed(1)} steps per scenario)`,
      target: '>= 30 scenarios/s', meets: count / s >= 30,
    }];
    if (f?.shrink) {
      const runs = f.shrink.runs + 1; // with the reproduction run
      const steps = f.shrink.minimal.steps.length;
      const ok = f.shrink.ms <= 60_000 && runs <= 100 && steps <= 6;
      rows.push({
        measure: `fuzz: planted divergence (ignoreCloexec) shrunk from ${f.original.steps.length} to ${steps} steps in ${runs} guest runs`,
        n: 1, value: Math.round(f.shrink.ms / 100) / 10, unit: 's',
        target: '<= 60 s, <= 100 runs, <= 6 steps', meets: ok,
      });
    } else rows.push({ measure: 'fuzz: planted divergence (ignoreCloexec) not found in 100 cases', n: 1, value: 0, unit: 's', target: '<= 60 s, <= 100 runs, <= 6 steps', meets: false });
    return rows;
  } finally {
    await session.close();
  }
}
