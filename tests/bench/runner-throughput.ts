// Runner throughput on a warm guest: small scenarios (fd and fcntl areas, no
// sleeps or lease waits) batched into one runner invocation. Target >= 50/s.
// Baseline in the same run: the same invocation with an empty plan.
import path from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import type { Guest } from '../../harness/guest.js';
import { collectScenarioFiles, loadScenarios } from '../../src/cli/scenario-files.js';
import { serializePlan } from '../../src/scenario/wire.js';
import { RUNNER } from '../../src/cli/run-scenarios.js';
import { parseTrace } from '../../src/trace/parse.js';

export interface RunnerBench {
  scenarios: number;
  seconds: number;
  scenariosPerSecond: number;
  emptyInvocationMs: number;
}

async function timedRun(guest: Guest, plan: string): Promise<{ ms: number; text: string }> {
  await guest.upload(Buffer.from(plan), '/tmp/bench-plan');
  const t0 = performance.now();
  const r = await guest.exec(`mkdir -p /mnt/pmem/bench && ${RUNNER} --plan /tmp/bench-plan --base /mnt/pmem/bench`, { timeoutMs: 600_000 });
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`runner exited ${r.code}: ${r.stderr}`);
  return { ms, text: r.stdout };
}

export async function benchRunner(guest: Guest, count = 200): Promise<RunnerBench> {
  const small = loadScenarios(collectScenarioFiles([path.join(repoRoot, 'tests/scenarios/fd'), path.join(repoRoot, 'tests/scenarios/fcntl')]));
  const batch = Array.from({ length: count }, (_, i) => small[i % small.length]!);
  const empty = await timedRun(guest, serializePlan([]));
  const full = await timedRun(guest, serializePlan(batch));
  const ends = parseTrace(full.text).observations.filter((o) => o.kind === 'scenario-end').length;
  if (ends !== count) throw new Error(`runner finished ${ends} of ${count} scenarios`);
  return { scenarios: count, seconds: full.ms / 1000, scenariosPerSecond: count / (full.ms / 1000), emptyInvocationMs: empty.ms };
}
