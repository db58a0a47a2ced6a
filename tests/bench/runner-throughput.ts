// Runner throughput on a warm guest: small scenarios (fd and fcntl areas, no
// sleeps or lease waits) batched into one runner invocation. Target >= 50/s.
// A scenario with a wall-clock wait (sleep, wait-signal, await, a step left
// blocked) measures its own timeout, not the runner: it is not small. The
// whole fd+fcntl mix, waits included, is measured too, as a second figure.
// Baseline in the same run: the same invocation with an empty plan.
import path from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import type { Guest } from '../../harness/guest.js';
import type { Scenario } from '../../src/scenario/ast.js';
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

/** Ops that spend wall-clock time by design: the coordinator waits on a clock. */
const WAITING_OPS = new Set(['sleep', 'wait_signal', 'await', 'expect_blocked']);

export function isSmall(s: Scenario): boolean {
  return s.steps.every((st) => !WAITING_OPS.has(st.op.kind));
}

/** The fd and fcntl scenarios: all of them, or only the small ones. */
export function benchScenarios(which: 'small' | 'all'): Scenario[] {
  const all = loadScenarios(collectScenarioFiles([path.join(repoRoot, 'tests/scenarios/fd'), path.join(repoRoot, 'tests/scenarios/fcntl')]));
  return which === 'all' ? all : all.filter(isSmall);
}

export async function benchRunner(guest: Guest, count = 200, which: 'small' | 'all' = 'small'): Promise<RunnerBench> {
  const pool = benchScenarios(which);
  if (pool.length === 0) throw new Error('no small scenarios in tests/scenarios/fd and fcntl');
  const batch = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
  const empty = await timedRun(guest, serializePlan([]));
  const full = await timedRun(guest, serializePlan(batch));
  const ends = parseTrace(full.text).observations.filter((o) => o.kind === 'scenario-end').length;
  if (ends !== count) throw new Error(`runner finished ${ends} of ${count} scenarios`);
  return { scenarios: count, seconds: full.ms / 1000, scenariosPerSecond: count / (full.ms / 1000), emptyInvocationMs: empty.ms };
}
